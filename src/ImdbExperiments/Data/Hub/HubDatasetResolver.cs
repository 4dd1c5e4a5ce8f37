using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// The commit and the shards of both splits of a <see cref="HubDatasetRequest"/>: the commit's file list (<see cref="HubClient.ListFilesAsync"/>:
/// none asked for a cached commit, one revision lookup for a branch or tag) and its dataset card, read from the snapshot when cached.
/// </summary>
internal static class HubDatasetResolver
{
    public static async Task<HubDataFiles> ResolveAsync(HubClient hub, HubDatasetRequest request, string specPath, CancellationToken cancellationToken)
    {
        var repo = HubRepo.Dataset(request.Dataset);
        HubRepoListing listing;
        try
        {
            listing = await hub.ListFilesAsync(repo, request.Revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind is HubErrorKind.RepositoryNotFound or HubErrorKind.RevisionNotFound)
        {
            throw new HubException(e.Kind, $"{specPath}: data.dataset / data.revision: {e.Message}", e.StatusCode, e);
        }

        string? card = null;
        if (listing.Files.FirstOrDefault(f => f.Path == HubDataFilesResolver.CardFileName) is { } cardFile)
        {
            const int MaxCardBytes = HubDatasetCard.MaxBytes;
            if (cardFile.Size > MaxCardBytes)
                throw new InvalidDataException($"{request} (commit {listing.Commit}): {HubDataFilesResolver.CardFileName} is {cardFile.Size:N0} bytes; at most {MaxCardBytes:N0} are read.");
            // At a commit, a card already in the snapshot is read without a request (hf_hub_download's pinned-commit shortcut).
            var path = await hub.DownloadFileAsync(repo, listing.Commit, cardFile.Path, null, cancellationToken).ConfigureAwait(false);
            if (new FileInfo(path).Length > MaxCardBytes)
                throw new InvalidDataException($"{path}: the dataset card is over {MaxCardBytes:N0} bytes; it is not read.");
            card = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        return HubDataFilesResolver.Resolve(listing, card, request);
    }
}
