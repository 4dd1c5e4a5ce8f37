namespace ImdbExperiments.Data;

/// <summary>
/// No URL gave a verified archive. The message lists each URL with its failure; <see cref="NoNetwork"/> is true when every
/// URL failed to connect or resolve, i.e. this machine cannot reach any of them.
/// </summary>
public sealed class ArchiveFetchException(string message, bool noNetwork, IReadOnlyList<Exception> failures)
    : IOException(message, failures.Count == 1 ? failures[0] : new AggregateException(failures))
{
    public bool NoNetwork { get; } = noNetwork;

    /// <summary>The last failure of each URL, in the order tried.</summary>
    public IReadOnlyList<Exception> Failures { get; } = failures;
}
