namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// One file of a repo at a commit, as the tree API lists it (huggingface_hub hf_api.py RepoFile): its path, size, git blob
/// id and, for LFS files, the SHA-256 of the content (and the Xet hash the Hub gives, kept only to hand back to Python's tree cache).
/// <see cref="Etag"/> is the name huggingface_hub gives its blob in the cache.
/// </summary>
public sealed record HubRepoFile(string Path, long Size, string? GitOid, string? Sha256, string? XetHash = null)
{
    public string? Etag => Sha256 ?? GitOid;
}

/// <summary>The files of a repo at the commit a revision resolved to; <see cref="FromCache"/> when the Hub was not asked.</summary>
public sealed record HubRepoListing(HubRepo Repo, string Revision, string Commit, IReadOnlyList<HubRepoFile> Files, bool FromCache);
