namespace ImdbExperiments.Data.Hub;

/// <summary>What load_dataset(dataset, config, revision=revision) is asked for, and which two of its splits become train and test.</summary>
public sealed record HubDatasetRequest(string Dataset, string Revision, string Config, string TrainSplit, string TestSplit)
{
    /// <summary>"stanfordnlp/imdb@main, config plain_text", as messages name the request.</summary>
    public override string ToString() => $"Hub dataset '{Dataset}' at revision '{Revision}', config '{Config}'";
}
