namespace ImdbExperiments.Modeling.Hub;

/// <summary>A Hub repository: its type and id ("org/name"), which together name its URLs and its cache folder.</summary>
public sealed record HubRepo(HubRepoType Type, string Id)
{
    public static HubRepo Model(string id) => new(HubRepoType.Model, id);

    public static HubRepo Dataset(string id) => new(HubRepoType.Dataset, id);

    /// <summary>"models" or "datasets": the cache folder prefix ({type}s--org--name) and the API path (/api/{type}s/).</summary>
    public string Plural => Type == HubRepoType.Dataset ? "datasets" : "models";

    /// <summary>huggingface_hub REPO_TYPES_URL_PREFIXES: /resolve/ URLs of datasets start with "datasets/", of models with nothing.</summary>
    internal string UrlPrefix => Type == HubRepoType.Dataset ? "datasets/" : "";

    internal string Noun => Type == HubRepoType.Dataset ? "dataset" : "model";

    /// <summary>"Hub model 'org/name'" or "Hub dataset 'org/name'", as messages name a repo.</summary>
    public override string ToString() => $"Hub {Noun} '{Id}'";
}
