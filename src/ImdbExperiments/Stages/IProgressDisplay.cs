namespace ImdbExperiments.Stages;

/// <summary>Where long-running stage work shows progress (a terminal bar in the CLI, nothing in tests).</summary>
public interface IProgressDisplay
{
    /// <summary>Starts a task; <paramref name="unit"/> is "B" for bytes (shown with rate and ETA) or a noun such as "reviews".</summary>
    IProgressTask Start(string description, long? total, string unit);
}

public interface IProgressTask : IDisposable
{
    /// <summary>Progress so far; <paramref name="description"/> replaces the task's text (e.g. the current loss).</summary>
    void Report(long done, long? total = null, string? description = null);
}

/// <summary>Shows nothing.</summary>
public sealed class NoProgressDisplay : IProgressDisplay
{
    public static readonly NoProgressDisplay Instance = new();

    public IProgressTask Start(string description, long? total, string unit) => new Task();

    sealed class Task : IProgressTask
    {
        public void Report(long done, long? total = null, string? description = null) { }
        public void Dispose() { }
    }
}
