using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// <c>IMDBX_TEST_EXIT_AT=trial-001@3</c> (or <c>trial-001@3/once</c>): how a test kills the process that runs a trial, as
/// <c>kill -9</c> or the OOM killer would, when that trial reaches training step 3; with <c>/once</c> only in the trial's
/// first attempt (its run folder had no run yet). Unset, it does nothing.
/// </summary>
/// <param name="Trial">The trial's name (trial-001).</param>
/// <param name="Step">The training step, from 1, at which the process dies.</param>
/// <param name="FirstAttemptOnly">Only when the trial had never started before.</param>
public sealed partial record SweepTestHook(string Trial, int Step, bool FirstAttemptOnly)
{
    public const string Variable = "IMDBX_TEST_EXIT_AT";

    /// <summary>The hook the environment sets, or null.</summary>
    /// <exception cref="ArgumentException">The variable is set to something else than trial-NNN@STEP[/once].</exception>
    public static SweepTestHook? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var match = Pattern().Match(value);
        if (!match.Success || !int.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1)
        {
            var shown = value.Length <= 64 ? $"'{new string(value.Select(c => char.IsControl(c) ? '?' : c).ToArray())}'" : $"({value.Length} characters)";
            throw new ArgumentException($"{Variable} {shown}: allowed: a trial's name and a training step from 1, as trial-001@3, optionally followed by /once.");
        }

        return new SweepTestHook(match.Groups[1].Value, step, match.Groups[3].Success);
    }

    /// <summary>Kills this process at once (no cleanup, as a dead worker has none) when <paramref name="trial"/> reaches the hook's step.</summary>
    public void AtStep(SweepTrial trial, int step, bool firstAttempt)
    {
        if (trial.Name == Trial && step == Step && (firstAttempt || !FirstAttemptOnly))
        {
            using var self = Process.GetCurrentProcess();
            self.Kill(); // SIGKILL on Unix
        }
    }

    [GeneratedRegex(@"^(trial-[0-9]{1,9})@([0-9]{1,9})(/once)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
