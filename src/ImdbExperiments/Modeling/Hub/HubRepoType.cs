namespace ImdbExperiments.Modeling.Hub;

/// <summary>The kinds of Hub repository this client reads (huggingface_hub constants.py REPO_TYPES, without spaces).</summary>
public enum HubRepoType
{
    Model,
    Dataset,
}
