using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Fan-out of a sweep to any scheduler: one self-contained command per pending trial. Each command names the sweep spec,
/// drops its sweep section (<c>--set sweep=null</c>) and sets the trial's values, so it resolves to exactly the trial's spec
/// (same hash) on any machine that has the same spec file; trials run there share the cache folder and the tracking server.
/// </summary>
public static class SweepPlanWriter
{
    /// <summary>The override that turns the sweep spec into a plain experiment, as <see cref="Specs.ResolvedSpec.With"/> does.</summary>
    public const string DropSweepOverride = "sweep=null";

    /// <param name="pendingTrials">The trials to run (those not finished yet), in plan order.</param>
    /// <param name="experiment">The sweep spec as the command should name it (path or experiment name).</param>
    public static IReadOnlyList<SweepPlanEntry> Entries(IEnumerable<SweepTrial> pendingTrials, string experiment, SweepCommandStyle style) =>
        [.. pendingTrials.Select(trial =>
        {
            var arguments = Arguments(trial, experiment, style);
            return new SweepPlanEntry(trial.Name, trial.Index, trial.Overrides, trial.SpecHash, arguments, ShellQuoting.Join(arguments));
        })];

    /// <summary>The worker option of <c>imdbx sweep</c> (Cake's Sweep target passes it on).</summary>
    public const string WorkerOption = "--worker";

    /// <summary>
    /// For a sweep whose trials come from its study (tpe, asha, hyperband): <paramref name="workers"/> identical commands, each a
    /// worker (<c>imdbx sweep --worker</c>) that asks the shared study for the next trial whenever it is free (a tpe proposal is
    /// drawn then, from what has finished) until the budget is spent. Run them where the <c>artifacts/</c> folder is shared.
    /// </summary>
    public static IReadOnlyList<SweepPlanEntry> WorkerEntries(int workers, Specs.ResolvedSpec sweep, string experiment, SweepCommandStyle style)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var arguments = new List<string>(style.Program);
        void Option(string name, string value) => arguments.AddRange(style.JoinWithEquals ? [$"{name}={value}"] : [name, value]);
        Option(style.ExperimentOption, experiment);
        foreach (var value in style.Overrides)
        {
            Option(style.SetOption, value);
        }

        arguments.Add(WorkerOption);
        var command = ShellQuoting.Join(arguments);
        return [.. Enumerable.Range(0, workers).Select(i => new SweepPlanEntry(
            "worker-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i, new Dictionary<string, string>(), sweep.Hash, arguments, command))];
    }

    /// <summary><c>{"experiment": ..., "spec_hash": ..., "workers": [{"worker", "index", "argv": [...], "command"}]}</c>.</summary>
    public static string ToWorkerJson(IReadOnlyList<SweepPlanEntry> entries, string experiment)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("experiment", experiment);
            writer.WriteString("spec_hash", entries.Count > 0 ? entries[0].SpecHash : "");
            writer.WriteStartArray("workers");
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("worker", entry.Trial);
                writer.WriteNumber("index", entry.Index);
                WriteCommand(writer, entry);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One command per line (line n is the n-th pending trial), e.g. for a Slurm job array: <c>sed -n "${N}p" plan.sh | sh</c>.</summary>
    public static string ToShell(IReadOnlyList<SweepPlanEntry> entries)
    {
        var builder = new StringBuilder();
        foreach (var entry in entries)
        {
            builder.Append(entry.Command).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>
    /// <c>{"experiment": ..., "trials": [{"trial", "index", "spec_hash", "overrides": {key: value}, "argv": [...], "command"}]}</c>.
    /// </summary>
    public static string ToJson(IReadOnlyList<SweepPlanEntry> entries, string experiment)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("experiment", experiment);
            writer.WriteStartArray("trials");
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("trial", entry.Trial);
                writer.WriteNumber("index", entry.Index);
                writer.WriteString("spec_hash", entry.SpecHash);
                writer.WriteStartObject("overrides");
                foreach (var (key, value) in entry.Overrides)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                WriteCommand(writer, entry);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>An entry's <c>argv</c> and <c>command</c>, the same in a trial plan and a worker plan.</summary>
    private static void WriteCommand(Utf8JsonWriter writer, SweepPlanEntry entry)
    {
        writer.WriteStartArray("argv");
        foreach (var argument in entry.Arguments)
        {
            writer.WriteStringValue(argument);
        }

        writer.WriteEndArray();
        writer.WriteString("command", entry.Command);
    }

    private static List<string> Arguments(SweepTrial trial, string experiment, SweepCommandStyle style)
    {
        var arguments = new List<string>(style.Program);
        void Option(string name, string value)
        {
            if (style.JoinWithEquals)
            {
                arguments.Add($"{name}={value}");
            }
            else
            {
                arguments.Add(name);
                arguments.Add(value);
            }
        }

        Option(style.ExperimentOption, experiment);
        Option(style.SetOption, DropSweepOverride);
        foreach (var value in style.Overrides)
        {
            Option(style.SetOption, value);
        }

        foreach (var (key, value) in trial.Overrides)
        {
            Option(style.SetOption, $"{key}={value}");
        }

        if (style.TrialArguments is not null)
        {
            arguments.AddRange(style.TrialArguments(trial));
        }

        return arguments;
    }
}
