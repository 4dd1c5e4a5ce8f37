namespace ImdbExperiments.Specs;

/// <summary>Finds the spec file an --experiment argument names.</summary>
public static class ExperimentLocator
{
    public const string ExperimentsFolder = "experiments";

    /// <summary>
    /// The full path of <paramref name="argument"/> if that file exists, else of experiments/&lt;argument&gt;, else of
    /// experiments/&lt;argument&gt;.yaml (or .yml); otherwise a <see cref="SpecException"/> listing the available experiments.
    /// </summary>
    public static string Resolve(string argument, string workingDirectory)
    {
        var cwd = Path.GetFullPath(workingDirectory);
        var folder = Path.Combine(cwd, ExperimentsFolder);
        var candidates = new List<string> { Path.GetFullPath(argument, cwd), Path.GetFullPath(argument, folder) };
        if (!argument.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !argument.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
        {
            candidates.Add(Path.GetFullPath(argument + ".yaml", folder));
            candidates.Add(Path.GetFullPath(argument + ".yml", folder));
        }

        var found = candidates.FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        var available = Available(cwd);
        var tried = string.Join(", ", candidates.Distinct().Select(c => SpecPaths.Display(c, cwd)));
        var listing = available.Count == 0 ? $"no experiments found in {ExperimentsFolder}/" : $"available experiments: {string.Join(", ", available)}";
        var suggestion = EditDistance.DidYouMean(argument, available.Concat(available.Select(Path.GetFileNameWithoutExtension)).OfType<string>());
        throw new SpecException([SpecError.At(SpecOrigin.None, "experiment", argument,
            $"'{argument}' not found (tried {tried}).{suggestion} {char.ToUpperInvariant(listing[0])}{listing[1..]}", available, cwd)]);
    }

    /// <summary>Spec files under experiments/, relative to it with '/', sorted.</summary>
    public static IReadOnlyList<string> Available(string workingDirectory)
    {
        var folder = Path.Combine(Path.GetFullPath(workingDirectory), ExperimentsFolder);
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)]
            : [];
    }
}
