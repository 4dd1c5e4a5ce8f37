namespace ImdbExperiments.Specs;

/// <summary>Patterns shared by several spec keys.</summary>
internal static class SpecPatterns
{
    public const string HttpUrl = @"^https?://\S+$";
    public const string HttpUrlDescription = "an http or https URL";

    /// <summary>A name that becomes one folder or file name (the run folder): never '.', '..', a path or a hidden file.</summary>
    public const string Name = @"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z";
    public const string NameDescription = "a name of letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters";

    /// <summary>
    /// A git ref name as git check-ref-format allows it (Hub revisions are branches, tags or 40-hex commits, e.g. refs/pr/1):
    /// '/'-separated parts, none empty, starting with '.' or ending with '.lock'; no "..", "@{", spaces, control characters or ~^:?*[\.
    /// </summary>
    public const string HubRevision = @"^(?=.{1,255}\z)(?!.*\.\.)(?!.*@\{)(?!@\z)(?!.*\.\z)(?!.*\.lock(/|\z))(?!(.*/)?\.)[^/\s\p{C}~^:?*\[\\]+(/[^/\s\p{C}~^:?*\[\\]+)*\z";
    public const string HubRevisionDescription =
        "a branch, tag or 40-hex commit such as main, v1.0 or refs/pr/1 (a git ref name: '/'-separated parts, none empty or starting with '.'; no '..', spaces, control characters or any of ~ ^ : ? * [ \\)";

    /// <summary>MLflow experiment names may hold '/' (they are never paths here) but not control characters; MLflow allows 500 characters.</summary>
    public const string ExperimentName = @"^(?=.*\S)[^\p{C}]{1,500}\z";
    public const string ExperimentNameDescription = "an MLflow experiment name: 1 to 500 characters, not blank, without control characters";
}
