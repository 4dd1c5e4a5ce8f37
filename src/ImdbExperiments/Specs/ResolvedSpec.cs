using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Specs;

/// <summary>A loaded, validated spec with its canonical JSON and hash; what is logged and saved with a run.</summary>
public sealed class ResolvedSpec
{
    private readonly SpecMapping tree;

    internal ResolvedSpec(ExperimentSpec spec, string sourcePath, SpecMapping tree, string workingDirectory)
    {
        this.tree = tree;
        Spec = spec;
        SourcePath = sourcePath;
        WorkingDirectory = workingDirectory;
        CanonicalJson = SpecWriter.Json(SpecSchema.Root, spec, CanonicalPath);
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson)));
    }

    public ExperimentSpec Spec { get; }

    /// <summary>Full path of the spec file that was loaded.</summary>
    public string SourcePath { get; }

    /// <summary>The folder paths in <see cref="CanonicalJson"/> are written relative to.</summary>
    public string WorkingDirectory { get; }

    /// <summary>
    /// Every key with its resolved value (defaults included) as JSON: keys sorted, no whitespace, invariant numbers,
    /// doubles in shortest round-trip form, paths relative to <see cref="WorkingDirectory"/> with '/' when under it, else absolute.
    /// </summary>
    public string CanonicalJson { get; }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 <see cref="CanonicalJson"/>.</summary>
    public string Hash { get; }

    /// <summary>
    /// The resolved spec as YAML, every key written out (no extends). Paths are absolute, or, when <paramref name="pathsRelativeTo"/>
    /// is given (the folder the YAML will be saved in), relative to it; either way loading the saved file gives the same hash.
    /// </summary>
    public string ToYaml(string? pathsRelativeTo = null)
    {
        var folder = pathsRelativeTo is null ? null : Path.GetFullPath(pathsRelativeTo, WorkingDirectory);
        return SpecWriter.Yaml(SpecSchema.Root, Spec, folder is null ? p => p : p => SpecPaths.RelativeTo(p, folder));
    }

    /// <summary>Canonical JSON of just these keys or sections, e.g. Subset("seed", "data.validation_fraction", "data.limit"), for stage cache keys.</summary>
    public string Subset(params string[] dottedKeys)
    {
        var builder = new StringBuilder("{");
        foreach (var key in dottedKeys.Distinct().Order(StringComparer.Ordinal))
        {
            var member = SpecSchema.FindMember(key)
                ?? throw new ArgumentException($"'{key}' is not a spec key.{EditDistance.DidYouMean(key, SpecSchema.AllKeys)}", nameof(dottedKeys));
            builder.Append(builder.Length > 1 ? "," : "");
            SpecWriter.WriteString(builder, key);
            builder.Append(':').Append(SpecWriter.Json(member, ValueOf(key), CanonicalPath));
        }

        return builder.Append('}').ToString();
    }

    /// <summary>Every leaf as dotted key -> text, for MLflow params: strings bare, null as "null", lists and maps as canonical JSON.</summary>
    public IReadOnlyDictionary<string, string> Flatten()
    {
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(SpecSchema.Root, Spec, flat);
        return flat;
    }

    /// <summary>This spec with more overrides (dotted key -> value text, as for --set), re-validated; the result is a plain experiment, without a sweep.</summary>
    public ResolvedSpec With(IReadOnlyDictionary<string, string> dottedOverrides)
    {
        var sweepKeys = dottedOverrides.Keys.Where(k => k == "sweep" || k.StartsWith("sweep.", StringComparison.Ordinal)).ToList();
        if (sweepKeys.Count > 0)
        {
            throw new SpecException([.. sweepKeys.Select(k => SpecError.At(SpecOrigin.FromOverride($"trial {k}={dottedOverrides[k]}", k), k, dottedOverrides[k],
                "a trial is a plain experiment and cannot set sweep keys", null, WorkingDirectory))]);
        }

        return SpecLoader.Resolve(tree.Without("sweep"), SourcePath, WorkingDirectory,
            dottedOverrides.Select(kv => (kv.Key, kv.Value, $"{kv.Key}={kv.Value}")), "trial");
    }

    private string CanonicalPath(string path) => SpecPaths.RelativeIfUnder(path, WorkingDirectory);

    private object? ValueOf(string dottedKey)
    {
        object? value = Spec;
        var section = SpecSchema.Root;
        foreach (var name in dottedKey.Split('.'))
        {
            var member = section!.Find(name)!;
            value = value is null ? null : member.Property.GetValue(value);
            section = member.Section;
        }

        return value;
    }

    private void Flatten(SchemaSection section, object? instance, SortedDictionary<string, string> flat)
    {
        foreach (var member in section.Members)
        {
            var value = instance is null ? null : member.Property.GetValue(instance);
            if (member.Section is not null && value is not null)
            {
                Flatten(member.Section, value, flat);
            }
            else
            {
                flat[member.Path] = SpecWriter.FlatValue(member, value, CanonicalPath);
            }
        }
    }
}
