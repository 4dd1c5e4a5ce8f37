namespace ImdbExperiments.Tracking;

/// <summary>
/// tracking.ack: how far the journal has been delivered (byte offset just past the last acknowledged line and
/// its seq) and which backend run it went to.
/// </summary>
internal sealed record JournalAck(long Offset, long Seq, string? ExperimentId, string? RunId, string? ArtifactUri, string? RunName)
{
    public static readonly JournalAck None = new(0, 0, null, null, null, null);

    public RunInfo? Run => RunId is null ? null : new RunInfo(RunId, ExperimentId ?? "", RunName ?? "", ArtifactUri ?? "", RunStatus.Running, 0, null);
}
