namespace ImdbExperiments.Stages;

/// <summary>Adapts byte-count progress from downloads and hashing to a progress display task, started on the first report.</summary>
sealed class TransferBar(IProgressDisplay display, string description) : IProgress<TransferProgress>, IDisposable
{
    IProgressTask? task;

    public void Report(TransferProgress value)
    {
        task ??= display.Start(description, value.TotalBytes, "B");
        task.Report(value.BytesDone, value.TotalBytes);
    }

    public void Dispose() => task?.Dispose();
}
