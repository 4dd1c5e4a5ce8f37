using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImdbExperiments.Benchmarks;
using ImdbExperiments.Specs;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx memory-bench</c>: where one training step's memory goes (<see cref="TrainingMemoryProbe"/>), phase by phase,
/// as a table and JSON. One shape per process, since a process keeps the heap it grew.
/// </summary>
static class MemoryBenchCommand
{
    public static Command Create()
    {
        var defaults = new MemoryProbeOptions();
        var model = CheckedOptions.Choice<BenchmarkModel?>("--model", null, $"The shape, random-init: {BenchmarkArguments.KnownModelNames} (default: {defaults.Model.Name}).",
            [.. BenchmarkModel.Known.Select(m => (m.Name, (BenchmarkModel?)m))]);
        var length = CheckedOptions.OptionalInt("--length", 2, BenchmarkOptions.MaxLength, $"Tokens per example (default: {defaults.Length}).");
        var batch = CheckedOptions.OptionalInt("--batch", 1, 4096, $"Examples per step (default: {defaults.Batch}).");
        var precision = CheckedOptions.Choice<TrainingPrecision?>("--precision", null, "fp32 or bf16 (default: fp32).", ("fp32", TrainingPrecision.Fp32), ("bf16", TrainingPrecision.Bf16));
        var steps = CheckedOptions.OptionalInt("--steps", 1, 100, $"Optimizer steps (default: {defaults.Steps}).");
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "Recompute each layer's activations in backward (training.gradient_checkpointing)." };
        var trim = new Option<bool>("--trim") { Description = "Call glibc's malloc_trim(0) after each step." };
        var threads = CheckedOptions.OptionalInt("--threads", 1, CheckedOptions.MaxThreads, "Torch threads (default: all cores).");
        var output = new Option<string?>("--output", "-o") { Description = "The JSON file (default artifacts/bench/memory-<yyyy-MM-dd-HHmmss>.json, UTC)." };
        var command = new Command("memory-bench", "Measure where a training step's memory goes on this machine; print a table and write JSON.")
        {
            model, length, batch, precision, steps, checkpointing, trim, threads, output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var options = defaults with
            {
                Model = result.GetValue(model) ?? defaults.Model,
                Length = result.GetValue(length) ?? defaults.Length,
                Batch = result.GetValue(batch) ?? defaults.Batch,
                Precision = result.GetValue(precision) ?? defaults.Precision,
                Steps = result.GetValue(steps) ?? defaults.Steps,
                GradientCheckpointing = result.GetValue(checkpointing),
                TrimBetweenSteps = result.GetValue(trim),
                Threads = result.GetValue(threads),
            };
            var started = DateTimeOffset.UtcNow;
            var probe = TrainingMemoryProbe.Run(options, cancellationToken);

            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected) console.Profile.Width = 200;
            var table = new Table().Title($"imdbx memory-bench: {options.Model.Name} {options.Batch} x {options.Length} {BenchmarkSuite.Name(options.Precision)}" +
                    (options.GradientCheckpointing ? ", gradient checkpointing" : ""))
                .AddColumn("phase").AddColumn(new TableColumn("tensors MB").RightAligned()).AddColumn(new TableColumn("heap in use MB").RightAligned())
                .AddColumn(new TableColumn("heap free MB").RightAligned()).AddColumn(new TableColumn("RSS MB").RightAligned())
                .AddColumn(new TableColumn("peak RSS MB").RightAligned()).AddColumn("note");
            foreach (var phase in probe.Phases)
                table.AddRow(Markup.Escape(phase.Name), TrainingMemoryProbe.Megabytes(phase.TensorBytes), TrainingMemoryProbe.Megabytes(phase.InUseBytes),
                    TrainingMemoryProbe.Megabytes(phase.FreeHeapBytes), TrainingMemoryProbe.Megabytes(phase.ResidentBytes),
                    TrainingMemoryProbe.Megabytes(phase.PeakResidentBytes), Markup.Escape(phase.Note));
            console.Write(table);
            Console.WriteLine($"memory    step peak RSS {TrainingMemoryProbe.Megabytes(probe.StepPeakBytes)} MB, " +
                $"{probe.SecondsPerStep.ToString("0.000", CultureInfo.InvariantCulture)} s/step, malloc {ImdbExperiments.Training.NativeMemory.Name(probe.Malloc)}" +
                (ImdbExperiments.Training.NativeMemory.Reason is { } why ? $" ({why})" : ""));

            var path = Path.GetFullPath(result.GetValue(output) ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "bench",
                $"memory-{started.UtcDateTime.ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture)}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var json = probe.ToJson();
            json["created_utc"] = started.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
            Console.WriteLine($"memory    {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }));
        return command;
    }
}
