using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Benchmarks;
using ImdbExperiments.Stages;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx bench-inference</c> (a fine-tuned model over real test reviews in fp32 and bf16: reviews/s, accuracy, agreement) and
/// <c>imdbx bench-serve</c> (wrk against <c>imdbx serve</c> beside plain batched inference and predict); a table and JSON each.
/// </summary>
static class InferenceBenchCommands
{
    /// <summary>Exit code when wrk is not installed: the bench cannot run here, which is not a failure of the code.</summary>
    const int MissingTool = 2;

    const int MaxConnections = 10_000;

    static readonly Option<string> Model = new("--model") { Description = "A fine-tuned Hugging Face folder (or a run folder: its model/).", Required = true };
    static readonly Option<string?> Archive = new("--archive") { Description = $"The aclImdb_v1.tar.gz whose test reviews are scored (default: ${FetchStage.ArchiveEnvironmentVariable})." };
    static readonly Option<int?> Reviews = CheckedOptions.OptionalInt("--reviews", 1, 2 * ImdbExperiments.Data.ImdbIngester.ReviewsPerSplitAndLabel,
        "Test reviews to score, or 'all' (25,000).", word: "all", defaultValue: 2000);
    static readonly Option<int> Length = CheckedOptions.Int("--length", 2, BenchmarkOptions.MaxLength, 256, "Tokens per review including [CLS]/[SEP].");
    static readonly Option<int> Batch = CheckedOptions.Int("--batch", 1, 4096, 32, "Reviews per forward pass (and serve's --max-batch).");
    static readonly Option<IReadOnlyList<Specs.TrainingPrecision>?> Precisions = CheckedOptions.Parsed("--precisions", BenchmarkArguments.Precisions,
        "Comma-separated, the first the reference: fp32, bf16 (default: fp32,bf16).", "fp32, bf16, comma-separated");
    static readonly Option<int?> Threads = CheckedOptions.OptionalInt("--threads", 1, CheckedOptions.MaxThreads, "Torch threads (default: all cores).");
    internal static readonly Option<string?> Output = new("--output", "-o") { Description = "The JSON file (default artifacts/bench/<kind>-<yyyy-MM-dd-HHmmss>.json, UTC)." };

    public static Command Inference()
    {
        var command = new Command("bench-inference", "Score real test reviews in each precision: reviews/s, accuracy, and agreement with the first precision.")
        {
            Model, Archive, Reviews, Length, Batch, Precisions, Threads, Output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var started = DateTimeOffset.UtcNow;
            var options = InferenceOptions(result);
            var report = await Task.Run(() => new InferenceBenchmark(options).Run(Console.WriteLine, cancellationToken), cancellationToken);
            var table = new Table().Title($"imdbx bench-inference: {report.Reviews:N0} test reviews at {options.MaxLength} tokens, batches of {options.Batch}")
                .AddColumn("precision").AddColumn(new TableColumn("reviews/s").RightAligned()).AddColumn(new TableColumn("x reference").RightAligned())
                .AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("label agreement").RightAligned())
                .AddColumn(new TableColumn("max |Δp|").RightAligned());
            foreach (var row in report.Rows)
            {
                table.AddRow(row.Precision, Number(row.ReviewsPerSecond, "0.0"), Number(row.ReviewsPerSecond / report.Reference.ReviewsPerSecond, "0.00"),
                    Number(row.Accuracy, "0.0000"), Number(InferenceBenchmarkReport.Agreement(row, report.Reference) * 100, "0.00") + " %",
                    Number(InferenceBenchmarkReport.MaxProbabilityChange(row, report.Reference), "0.0000"));
            }
            Write(table);
            await WriteJsonAsync(result, "inference", started, report.ToJson(BenchmarkMachine.Describe(report.Threads)), cancellationToken);
            return 0;
        }));
        return command;
    }

    public static Command Serve()
    {
        var connections = CheckedOptions.Parsed("--connections", CheckedOptions.WholeNumbers("--connections", 1, MaxConnections, "connection counts", "1,8,64"), "Concurrent wrk connections, comma-separated (default: 1,8,64).",
            $"connection counts from 1 to {MaxConnections}, comma-separated", new OptionRange(1, MaxConnections));
        var seconds = CheckedOptions.Int("--seconds", 1, 3600, 20, "Seconds of load per connection count.");
        var perRequest = CheckedOptions.Int("--reviews-per-request", 1, 1000, 1, "Reviews in each request body.");
        var wrk = new Option<string>("--wrk") { Description = "The wrk program (Debian's package: apt-get install wrk).", DefaultValueFactory = _ => "wrk" };
        var command = new Command("bench-serve", "Load imdbx serve with wrk (real reviews, MLflow JSON bodies) beside plain batched inference and predict.")
        {
            Model, Archive, Reviews, Length, Batch, Precisions, Threads, connections, seconds, perRequest, wrk, Output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            if (ServeBenchmark.FindOnPath(result.GetValue(wrk)!) is null)
            {
                Console.Error.WriteLine($"bench-serve: wrk ('{result.GetValue(wrk)}') is not installed or not on PATH; install it (Debian/Ubuntu: sudo apt-get install -y wrk) or name it with --wrk.");
                return MissingTool;
            }
            var started = DateTimeOffset.UtcNow;
            var options = new ServeBenchmarkOptions
            {
                Inference = InferenceOptions(result),
                Connections = result.GetValue(connections) ?? [1, 8, 64],
                Seconds = result.GetValue(seconds),
                ReviewsPerRequest = result.GetValue(perRequest),
                Wrk = result.GetValue(wrk)!,
                // The same program that runs this command, so that serve and predict are this build.
                Imdbx = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
                    ? [host, typeof(InferenceBenchCommands).Assembly.Location] : [Environment.ProcessPath!],
            };
            var report = await new ServeBenchmark(options).RunAsync(Console.WriteLine, cancellationToken);
            var table = new Table().Title($"imdbx bench-serve: {report.Reviews:N0} test reviews at {options.Inference.MaxLength} tokens, max batch {options.Inference.Batch}, " +
                                          $"{options.ReviewsPerRequest} per request, {options.Seconds} s per load")
                .AddColumn("precision").AddColumn("measure").AddColumn(new TableColumn("requests/s").RightAligned()).AddColumn(new TableColumn("reviews/s").RightAligned())
                .AddColumn(new TableColumn("of plain").RightAligned()).AddColumn(new TableColumn("p50 ms").RightAligned()).AddColumn(new TableColumn("p99 ms").RightAligned())
                .AddColumn(new TableColumn("errors").RightAligned()).AddColumn(new TableColumn("peak RSS MB").RightAligned());
            foreach (var row in report.Rows)
            {
                table.AddRow(row.Precision, "plain batched", "", Number(row.PlainReviewsPerSecond, "0.0"), "1.00", "", "", "", "");
                table.AddRow(row.Precision, "imdbx predict", "", Number(row.PredictReviewsPerSecond, "0.0"), Number(row.PredictReviewsPerSecond / row.PlainReviewsPerSecond, "0.00"), "", "", "", "");
                foreach (var (count, load) in row.Loads)
                {
                    var reviews = load.RequestsPerSecond * options.ReviewsPerRequest;
                    table.AddRow(row.Precision, $"serve, {count} connections", Number(load.RequestsPerSecond, "0.0"), Number(reviews, "0.0"),
                        Number(reviews / row.PlainReviewsPerSecond, "0.00"), Number(load.P50Ms, "0"), Number(load.P99Ms, "0"),
                        $"{load.Non2xx + load.SocketErrors:N0}", row.PeakRssBytes is { } peak ? Number(peak / 1e6, "N0") : "unavailable");
                }
                table.AddRow(row.Precision, "serve, 1 short review", Number(row.Short.RequestsPerSecond, "0.0"), "", "", Number(row.Short.P50Ms, "0.0"),
                    Number(row.Short.P99Ms, "0.0"), $"{row.Short.Non2xx + row.Short.SocketErrors:N0}", "");
            }
            Write(table);
            await WriteJsonAsync(result, "serve", started, report.ToJson(BenchmarkMachine.Describe(report.Threads)), cancellationToken);
            return 0;
        }));
        return command;
    }

    static InferenceBenchmarkOptions InferenceOptions(ParseResult result)
    {
        var archive = result.GetValue(Archive) ?? (Environment.GetEnvironmentVariable(FetchStage.ArchiveEnvironmentVariable) is { Length: > 0 } a ? a : null)
            ?? throw new ArgumentException($"Which reviews? Give --archive aclImdb_v1.tar.gz or set {FetchStage.ArchiveEnvironmentVariable}.");
        var model = UserFile.RequireDirectory(result.GetValue(Model)!, "--model");
        var runModel = Path.Combine(model, TrainStage.ModelFolder);
        return new InferenceBenchmarkOptions
        {
            ModelFolder = Path.GetFullPath(!File.Exists(Path.Combine(model, "config.json")) && File.Exists(Path.Combine(runModel, "config.json")) ? runModel : model),
            Archive = UserFile.RequireRegular(archive, "--archive"),
            Reviews = result.GetValue(Reviews),
            MaxLength = result.GetValue(Length),
            Batch = result.GetValue(Batch),
            Precisions = result.GetValue(Precisions) ?? [Specs.TrainingPrecision.Fp32, Specs.TrainingPrecision.Bf16],
            Threads = result.GetValue(Threads),
        };
    }

    internal static void Write(Table table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        console.Write(table);
    }

    internal static async Task WriteJsonAsync(ParseResult result, string kind, DateTimeOffset started, JsonObject json, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(result.GetValue(Output) ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "bench",
            $"{kind}-{started.UtcDateTime.ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture)}.json"));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
        Console.WriteLine($"bench     {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
    }

    internal static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
