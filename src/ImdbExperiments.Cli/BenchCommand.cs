using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImdbExperiments.Benchmarks;
using ImdbExperiments.Stages;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx bench</c>: the speed table (matmul ceiling, ingest, split, tokenize, train steps and inference per model, length
/// and precision, with MFU and peak RSS) and its JSON.
/// </summary>
static class BenchCommand
{
    public static Command Create()
    {
        var full = new BenchmarkOptions();
        var quickRun = BenchmarkOptions.QuickRun;
        var archive = new Option<string?>("--archive") { Description = $"An aclImdb_v1.tar.gz to measure ingest and tokenize on (default: ${FetchStage.ArchiveEnvironmentVariable}, else a synthetic archive)." };
        var models = CheckedOptions.Parsed("--models", BenchmarkArguments.Models,
            $"Models to train and run, comma-separated: {BenchmarkArguments.KnownModelNames} (default: all).", $"models {BenchmarkArguments.KnownModelNames}, comma-separated");
        var lengths = CheckedOptions.Parsed("--lengths", BenchmarkArguments.Lengths, $"Tokens per example, comma-separated (default: {string.Join(",", full.Lengths)}).",
            $"token counts from 2 to {BenchmarkOptions.MaxLength}, comma-separated", new OptionRange(2, BenchmarkOptions.MaxLength), aliases: ["--length"]);
        var precisions = CheckedOptions.Parsed("--precisions", BenchmarkArguments.Precisions, "Training precisions, comma-separated: fp32, bf16 (default: both).",
            "fp32, bf16, comma-separated");
        var batch = CheckedOptions.OptionalInt("--batch", 1, 4096, $"Examples per training step and inference batch (default: {full.Batch}).");
        var steps = CheckedOptions.OptionalInt("--steps", 1, 100_000, $"Timed training steps per row, after one warm-up step (default: {full.Steps}).");
        var threads = CheckedOptions.OptionalInt("--threads", 1, CheckedOptions.MaxThreads, "Torch threads (default: all cores).");
        var attentionDropout = CheckedOptions.OptionalDouble("--attention-dropout", 0, 1, "attention_probs_dropout_prob for every model (default: each model's own, 0.1).",
            maxExclusive: true);
        var quick = new Option<bool>("--quick")
        {
            Description = $"A run under a minute: {quickRun.Models[0].Name} only, {quickRun.Batch} x {quickRun.Lengths[0]}, fp32, {quickRun.Steps} steps, " +
                          $"a small synthetic archive, a {quickRun.MatmulSize} matmul ceiling. Options given with it still apply.",
        };
        var gemm = new Option<bool>("--gemm")
        {
            Description = "Only the GEMM study: the matmul ceilings (bf16 too unless --precisions fp32) and every Linear product (forward, input and weight gradient) " +
                          "of the models at --batch x --lengths through each GEMM library here (libtorch's oneMKL, OpenBLAS when installed).",
        };
        var output = new Option<string?>("--output", "-o") { Description = "The JSON file (default artifacts/bench/<yyyy-MM-dd-HHmmss>.json, UTC)." };
        var command = new Command("bench", "Measure the pipeline's speed on this machine; print a table and write JSON.")
        {
            archive, models, lengths, precisions, batch, steps, threads, attentionDropout, quick, gemm, output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var defaults = result.GetValue(quick) ? BenchmarkOptions.QuickRun : new BenchmarkOptions();
            var givenArchive = result.GetValue(archive) ?? NullIfEmpty(Environment.GetEnvironmentVariable(FetchStage.ArchiveEnvironmentVariable));
            var options = defaults with
            {
                // --quick measures ingest on a small synthetic archive unless --archive names one.
                Archive = defaults.IsQuick ? result.GetValue(archive) : givenArchive,
                Models = result.GetValue(models) ?? defaults.Models,
                Lengths = result.GetValue(lengths) ?? defaults.Lengths,
                Precisions = result.GetValue(precisions) ?? defaults.Precisions,
                Batch = result.GetValue(batch) ?? defaults.Batch,
                Steps = result.GetValue(steps) ?? defaults.Steps,
                Threads = result.GetValue(threads) ?? defaults.Threads,
                AttentionDropout = result.GetValue(attentionDropout) ?? defaults.AttentionDropout,
                GemmStudy = result.GetValue(gemm),
            };
            var run = await new BenchmarkSuite(options).RunAsync(Console.WriteLine, cancellationToken);

            // The table is wide: when the output is not a terminal, don't squeeze it into 80 columns.
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected) console.Profile.Width = 200;
            console.Write(Table(run));
            Console.WriteLine($"bench     peak RSS of the whole run: {(run.PeakRssBytes is { } peak ? Megabytes(peak) + " MB" : "unavailable")}");

            var path = Path.GetFullPath(result.GetValue(output) ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "bench",
                $"{run.Started.UtcDateTime.ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture)}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, run.ToJson(BenchmarkMachine.Describe(run.Threads)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n",
                cancellationToken);
            Console.WriteLine($"bench     {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }));
        return command;
    }

    static Table Table(BenchmarkRun run)
    {
        var table = new Table().Title("imdbx bench").AddColumn("measure").AddColumn("model").AddColumn("shape").AddColumn("precision").AddColumn("gemm")
            .AddColumn(new TableColumn("seconds").RightAligned()).AddColumn(new TableColumn("examples/s").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned()).AddColumn(new TableColumn("MFU").RightAligned())
            .AddColumn(new TableColumn("peak RSS MB").RightAligned()).AddColumn("note");
        foreach (var r in run.Results)
        {
            var shape = r.Dimensions is { } d ? $"{r.Batch} x {r.Length}: {d}" : r.MatrixSize is { } n ? $"{n} x {n}" : r.Batch is { } b && r.Length is { } l ? $"{b} x {l}" : "";
            // Per step for training, per batch for inference, per run for the rest.
            var seconds = (r.SecondsPerStep ?? r.Seconds) is { } t ? t.ToString("0.000", CultureInfo.InvariantCulture) : "";
            var measuresMemory = r.Name is BenchmarkResult.Train or BenchmarkResult.Inference;
            if (r.Name == BenchmarkResult.Gemm) seconds = "";  // its time is per product, shown as GFLOP/s
            table.AddRow(
                Markup.Escape(r.Name), Markup.Escape(r.Model ?? ""), shape, r.Precision ?? "", r.Path ?? "", seconds,
                r.ExamplesPerSecond is { } e ? e.ToString(e >= 100 ? "N0" : "0.0", CultureInfo.InvariantCulture) : "",
                r.Gflops is { } g ? g.ToString("0.0", CultureInfo.InvariantCulture) : "",
                r.Mfu is { } u ? (u * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "",
                measuresMemory ? r.PeakRssBytes is { } bytes ? Megabytes(bytes) : "unavailable" : "",
                Markup.Escape(r.Detail));
        }
        return table;
    }

    static string Megabytes(long bytes) => (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture);

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
