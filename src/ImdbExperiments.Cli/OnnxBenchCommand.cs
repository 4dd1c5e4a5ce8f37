using System.CommandLine;
using System.Globalization;
using ImdbExperiments.Benchmarks;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx bench-onnx</c>: ONNX Runtime against TorchSharp on the MiniLM package's weights, interleaved; a table and JSON.</summary>
static class OnnxBenchCommand
{
    public static Command Create()
    {
        var batches = new Option<string>("--batches") { Description = "Batch sizes, comma-separated.", DefaultValueFactory = _ => "16,1" };
        var lengths = new Option<string>("--lengths") { Description = "Tokens per row including [CLS]/[SEP], comma-separated.", DefaultValueFactory = _ => "256,128" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads and ORT intra-op threads.", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int>("--repeats") { Description = "Interleaved rounds per shape (medians over them).", DefaultValueFactory = _ => 7 };
        var command = new Command("bench-onnx", "MiniLM's encoder in ONNX Runtime and in TorchSharp, same weights and token ids, interleaved: ms per batch, speedup, max hidden-state difference.")
        {
            // The --output that WriteJsonAsync reads: an option of our own would be parsed and then ignored.
            batches, lengths, threads, repeats, InferenceBenchCommands.Output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var started = DateTimeOffset.UtcNow;
            var options = new OnnxBenchmarkOptions
            {
                Batches = Counts("--batches", result.GetValue(batches)!),
                Lengths = Counts("--lengths", result.GetValue(lengths)!),
                Threads = result.GetValue(threads),
                Repeats = result.GetValue(repeats),
            };
            var report = await Task.Run(() => new OnnxBenchmark(options).Run(Console.WriteLine, cancellationToken), cancellationToken);
            var load = report.LoadBefore is { } before && report.LoadAfter is { } after
                ? $"load average {before[0]:0.00} before, {after[0]:0.00} after" : "load average unavailable";
            var table = new Table().Title($"imdbx bench-onnx: MiniLM fp32, {report.Threads} threads, ONNX Runtime {report.OnnxRuntimeVersion}, " +
                                          $"median of {options.Repeats} interleaved rounds, {load}")
                .AddColumn(new TableColumn("batch").RightAligned()).AddColumn(new TableColumn("length").RightAligned()).AddColumn("engine")
                .AddColumn(new TableColumn("ms / batch").RightAligned()).AddColumn(new TableColumn("rows/s").RightAligned())
                .AddColumn(new TableColumn("x torchsharp").RightAligned()).AddColumn(new TableColumn("max |Δh|").RightAligned());
            foreach (var shape in report.Shapes)
            {
                foreach (var engine in shape.Engines)
                {
                    table.AddRow($"{shape.Batch}", $"{shape.Length}", engine.Engine, InferenceBenchCommands.Number(engine.MedianSeconds * 1000, "0.0"),
                        InferenceBenchCommands.Number(engine.RowsPerSecond, "0.0"), InferenceBenchCommands.Number(engine.SpeedupVsTorchSharp, "0.00"),
                        engine.Engine == OnnxBenchmark.TorchSharp ? "" : engine.MaxAbsDifference.ToString("0.0E+0", CultureInfo.InvariantCulture));
                }
            }
            InferenceBenchCommands.Write(table);
            await InferenceBenchCommands.WriteJsonAsync(result, "onnx", started, report.ToJson(BenchmarkMachine.Describe(report.Threads)), cancellationToken);
            return 0;
        }));
        return command;
    }

    // Numbers only here; their ranges are OnnxBenchmarkOptions.Validate's, one rule for the CLI and the library.
    static IReadOnlyList<int> Counts(string option, string value) =>
        value.Split(',', StringSplitOptions.TrimEntries).Select(text =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw new ArgumentException($"{option} {value} is not valid: give whole numbers, comma-separated, e.g. {(option == "--batches" ? "16,1" : "256,128")}.")).Distinct().ToArray();
}
