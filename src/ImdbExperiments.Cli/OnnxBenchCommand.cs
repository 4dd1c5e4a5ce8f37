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
        var batches = CheckedOptions.Parsed("--batches", CheckedOptions.WholeNumbers("--batches", 1, 256, "whole numbers", "16,1"), "Batch sizes, comma-separated (default: 16,1).",
            "batch sizes from 1 to 256, comma-separated", new OptionRange(1, 256));
        var lengths = CheckedOptions.Parsed("--lengths", CheckedOptions.WholeNumbers("--lengths", 2, 512, "whole numbers", "256,128"), "Tokens per row including [CLS]/[SEP], comma-separated (default: 256,128).",
            "token counts from 2 to 512 (MiniLM's positions), comma-separated", new OptionRange(2, 512));
        var threads = CheckedOptions.Int("--threads", 1, CheckedOptions.MaxThreads, 2, "libtorch threads and ORT intra-op threads.");
        var repeats = CheckedOptions.Int("--repeats", 1, 1000, 7, "Interleaved rounds per shape (medians over them).");
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
                Batches = result.GetValue(batches) ?? [16, 1],
                Lengths = result.GetValue(lengths) ?? [256, 128],
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
}
