using System.Globalization;

namespace ImdbExperiments.Sweeps;

/// <summary>A worker process of a <c>--parallel</c> sweep that ended with an error.</summary>
/// <param name="Worker">Its number, from 0 (its lines are prefixed [w0], [w1], ...).</param>
/// <param name="Exit">Its exit code and process id.</param>
/// <param name="Trial">The trial it died holding; null when it held none (its own lines say what failed).</param>
/// <param name="TrialFinished">Whether that trial has finished since, in another worker.</param>
public sealed record SweepWorkerFailure(int Worker, SweepWorkerExit Exit, string? Trial, bool TrialFinished)
{
    /// <summary>The one line a user reads about it.</summary>
    public string Describe()
    {
        var worker = string.Create(CultureInfo.InvariantCulture, $"sweep worker w{Worker} (pid {Exit.ProcessId})");
        var code = Exit.ExitCode.ToString(CultureInfo.InvariantCulture);
        return Trial is null
            ? $"{worker} exited with code {code}"
            : $"{worker} died (exit code {code}) while running {Trial}; " + (TrialFinished ? "another worker ran it again" : "run the sweep again to finish it");
    }
}
