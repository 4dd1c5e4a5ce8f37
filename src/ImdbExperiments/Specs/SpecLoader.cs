namespace ImdbExperiments.Specs;

/// <summary>Loads an experiment spec: reads YAML, follows extends, applies --set overrides, and validates everything once.</summary>
public static class SpecLoader
{
    /// <summary>
    /// Loads <paramref name="path"/> (relative to <paramref name="workingDirectory"/>, default the current directory).
    /// Throws <see cref="SpecException"/> listing every problem found.
    /// </summary>
    /// <param name="overrides">"dotted.key=value" strings as given to --set, applied in order; the value is read as YAML.</param>
    public static ResolvedSpec Load(string path, IReadOnlyList<string> overrides, string? workingDirectory = null)
    {
        var cwd = Path.GetFullPath(workingDirectory ?? Environment.CurrentDirectory);
        var file = Path.GetFullPath(path, cwd);
        var tree = ReadWithExtends(file, [], null, cwd);
        if (tree.Find("name") is null)
        {
            var origin = SpecOrigin.InFile(file, 0, 0);
            tree = tree.WithEntry(new SpecEntry(new SpecScalar("name", isPlain: false, origin), new SpecScalar(Path.GetFileNameWithoutExtension(file), isPlain: false, origin)));
        }

        var parsed = new List<(string Key, string Value, string Text)>();
        var errors = new List<SpecError>();
        if (overrides.Count > SpecLimits.MaxOverrides)
        {
            throw new SpecException([SpecError.At(SpecOrigin.FromOverride("--set", ""), "", null,
                $"{overrides.Count} overrides given; at most {SpecLimits.MaxOverrides} are allowed (a spec-loading limit)", null, cwd)]);
        }

        foreach (var text in overrides)
        {
            if (SpecOverrides.Parse(text) is { } item)
            {
                parsed.Add(item);
            }
            else
            {
                errors.Add(SpecError.At(SpecOrigin.FromOverride($"--set {text}", ""), "", text, "expected key=value, e.g. training.learning_rate=3e-5", null, cwd));
            }
        }

        return Resolve(tree, file, cwd, parsed, "--set", errors);
    }

    internal static ResolvedSpec Resolve(SpecMapping tree, string sourcePath, string workingDirectory,
        IEnumerable<(string Key, string Value, string Text)> overrides, string label, IEnumerable<SpecError>? earlier = null)
    {
        var binder = new SpecBinder(workingDirectory, SpecOrigin.InFile(sourcePath, 0, 0));
        binder.Errors.AddRange(earlier ?? []);
        var overrideTree = SpecOverrides.Build(overrides, label, binder);
        var merged = overrideTree is null ? tree : (SpecMapping)SpecMapping.Merge(tree, overrideTree);
        var spec = binder.Bind(merged);
        SpecValidator.Validate(spec, binder);
        if (binder.Errors.Count > 0)
        {
            throw new SpecException(binder.Errors);
        }

        var resolved = new ResolvedSpec(spec, sourcePath, merged, workingDirectory);
        if (spec.Sweep is not null)
        {
            SpecValidator.ValidateTrials(resolved, binder);
            if (binder.Errors.Count > 0)
            {
                throw new SpecException(binder.Errors);
            }
        }

        return resolved;
    }

    private static SpecMapping ReadWithExtends(string file, List<string> chain, SpecNode? extendsNode, string cwd)
    {
        if (!File.Exists(file))
        {
            var problem = $"file not found: {SpecPaths.Display(file, cwd)}";
            throw new SpecException([extendsNode is SpecScalar scalar
                ? SpecError.At(scalar.Origin, SpecSchema.ExtendsKey, scalar.Value, problem, null, cwd)
                : SpecError.At(SpecOrigin.None, "", file, $"spec {problem}", null, cwd)]);
        }

        if (chain.Count >= SpecLimits.MaxExtendsChain)
        {
            throw new SpecException([SpecError.At(extendsNode!.Origin, SpecSchema.ExtendsKey, (extendsNode as SpecScalar)?.Value,
                $"the extends chain is longer than {SpecLimits.MaxExtendsChain} files (a spec-loading limit)", [$"at most {SpecLimits.MaxExtendsChain} files"], cwd)]);
        }

        var tree = YamlTreeReader.ReadFile(SpecFileReader.Read(file, extendsNode as SpecScalar, cwd), file, cwd);
        var entry = tree.Find(SpecSchema.ExtendsKey);
        if (entry is null)
        {
            return tree;
        }

        if (entry.Value is not SpecScalar { IsNull: false } target)
        {
            throw new SpecException([SpecError.At(entry.Value.Origin, SpecSchema.ExtendsKey, null, "expected the path of another spec file", null, cwd)]);
        }

        var parentFile = SpecPaths.Resolve(target.Value, Path.GetDirectoryName(file)!);
        List<string> visited = [.. chain, file];
        if (visited.Contains(parentFile, StringComparer.Ordinal))
        {
            var cycle = string.Join(" -> ", visited.Append(parentFile).SkipWhile(f => f != parentFile).Select(f => SpecPaths.Display(f, cwd)));
            throw new SpecException([SpecError.At(target.Origin, SpecSchema.ExtendsKey, target.Value, $"extends cycle: {cycle}", null, cwd)]);
        }

        var parent = ReadWithExtends(parentFile, visited, target, cwd);
        return (SpecMapping)SpecMapping.Merge(parent, tree.Without(SpecSchema.ExtendsKey));
    }
}
