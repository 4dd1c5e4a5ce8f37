namespace ImdbExperiments.Specs;

/// <summary>Where a YAML node came from: a file position (1-based; line 0 = the file as a whole) or a command-line override.</summary>
internal sealed record SpecOrigin(string? File, int Line, int Column, string? Override, string? OverrideKey = null)
{
    public static SpecOrigin InFile(string file, int line, int column) => new(file, line, column, null);

    /// <param name="text">The override as the user wrote it, e.g. "--set training.batch_size=abc".</param>
    public static SpecOrigin FromOverride(string text, string key) => new(null, 0, 0, text, key);

    public static readonly SpecOrigin None = new(null, 0, 0, null);

    /// <summary>The folder that relative paths written here resolve against.</summary>
    public string BaseFolder(string workingDirectory) =>
        File is null ? workingDirectory : System.IO.Path.GetDirectoryName(File) ?? workingDirectory;
}
