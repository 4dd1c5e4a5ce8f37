using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImdbExperiments.Benchmarks;
using ImdbExperiments.Stages;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx bench</c>: the speed table (ingest, split, tokenize, MiniLM train steps and inference) and its JSON.</summary>
static class BenchCommand
{
    public static Command Create()
    {
        var archive = new Option<string?>("--archive") { Description = $"An aclImdb_v1.tar.gz to measure ingest and tokenize on (default: ${FetchStage.ArchiveEnvironmentVariable}, else a synthetic archive)." };
        var batch = new Option<int>("--batch") { Description = "Examples per training batch.", DefaultValueFactory = _ => 16 };
        var length = new Option<int>("--length") { Description = "Tokens per example.", DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per precision (after one warm-up step).", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: all cores)." };
        var output = new Option<string?>("--output", "-o") { Description = "The JSON file (default artifacts/bench/bench-<time>.json)." };
        var command = new Command("bench", "Measure the pipeline's speed on this machine; print a table and write JSON.")
        {
            archive, batch, length, steps, threads, output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var options = new BenchmarkOptions
            {
                Archive = result.GetValue(archive) ?? NullIfEmpty(Environment.GetEnvironmentVariable(FetchStage.ArchiveEnvironmentVariable)),
                Batch = result.GetValue(batch),
                Length = result.GetValue(length),
                Steps = result.GetValue(steps),
                Threads = result.GetValue(threads),
            };
            var results = await new BenchmarkSuite(options).RunAsync(Console.WriteLine, cancellationToken);

            var table = new Table().Title("imdbx bench").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("unit").AddColumn("on");
            foreach (var r in results)
                table.AddRow(Markup.Escape(r.Name), r.Value.ToString(r.Value >= 100 ? "N0" : "0.000", CultureInfo.InvariantCulture), r.Unit, Markup.Escape(r.Detail));
            AnsiConsole.Write(table);

            var path = Path.GetFullPath(result.GetValue(output) ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "bench",
                $"bench-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, BenchmarkSuite.ToJson(results, options).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            Console.WriteLine($"bench     {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }));
        return command;
    }

    static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
