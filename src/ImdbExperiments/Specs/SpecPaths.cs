namespace ImdbExperiments.Specs;

/// <summary>How spec paths are resolved and written.</summary>
internal static class SpecPaths
{
    public static string Resolve(string path, string baseFolder) => Path.GetFullPath(path, baseFolder);

    /// <summary>Relative to <paramref name="folder"/> with '/' when under it, else absolute: stable across clones.</summary>
    public static string RelativeIfUnder(string fullPath, string folder)
    {
        var relative = Path.GetRelativePath(folder, fullPath);
        var outside = Path.IsPathRooted(relative) || relative == ".." ||
            relative.StartsWith("../", StringComparison.Ordinal) || relative.StartsWith("..\\", StringComparison.Ordinal);
        return (outside ? fullPath : relative).Replace('\\', '/');
    }

    /// <summary>Relative to <paramref name="folder"/> with '/', going up with ".." where needed; absolute only across roots.</summary>
    public static string RelativeTo(string fullPath, string folder)
    {
        var relative = Path.GetRelativePath(folder, fullPath);
        return (Path.IsPathRooted(relative) ? fullPath : relative).Replace('\\', '/');
    }

    public static string Display(string fullPath, string workingDirectory) => RelativeIfUnder(fullPath, workingDirectory);
}
