namespace ImdbExperiments.Modeling.Hub;

/// <summary>Why a Hub download failed; lets callers react without parsing messages.</summary>
public enum HubErrorKind
{
    /// <summary>The repository does not exist, or it is private/gated and no valid token was sent.</summary>
    RepositoryNotFound,
    /// <summary>The repository exists but the branch, tag or commit does not.</summary>
    RevisionNotFound,
    /// <summary>The repository and revision exist but the file does not.</summary>
    EntryNotFound,
    /// <summary>The repository is gated and the token's account has not been granted access.</summary>
    GatedRepository,
    /// <summary>The Hub rejected the token itself (401 with invalid credentials).</summary>
    InvalidToken,
    /// <summary>403: the token is valid but lacks permission.</summary>
    Forbidden,
    /// <summary>429 after all retries.</summary>
    RateLimited,
    /// <summary>5xx after all retries.</summary>
    ServerError,
    /// <summary>Any other HTTP error status.</summary>
    HttpError,
    /// <summary>The server answered without the headers a Hub answers with (commit, ETag, size): a proxy or firewall is likely in the way.</summary>
    InvalidResponse,
    /// <summary>Offline (by setting or because the Hub is unreachable) and the file is not in the cache.</summary>
    NotCached,
    /// <summary>The downloaded bytes do not match the ETag's hash or the announced size.</summary>
    IntegrityMismatch,
}
