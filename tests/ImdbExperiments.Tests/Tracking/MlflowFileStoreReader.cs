using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// Reads an mlruns folder by the rules of MLflow's FileStore (mlflow/store/tracking/file_store.py), independently
/// of our writer: YAML through YamlDotNet, with PyYAML's (YAML 1.1) implicit typing of plain scalars, so a value
/// PyYAML would read as an int where MLflow expects a string (or the reverse) is caught.
/// </summary>
internal static partial class MlflowFileStoreReader
{
    public sealed record Experiment(string Id, string Name, string ArtifactLocation, string LifecycleStage, long CreationTime, long LastUpdateTime);

    public sealed record Run(
        string RunId, string RunUuid, string ExperimentId, string RunName, string UserId, int Status, long StartTime, long? EndTime,
        string ArtifactUri, string LifecycleStage, Dictionary<string, object?> Meta,
        Dictionary<string, string> Params, Dictionary<string, string> Tags, Dictionary<string, List<(long Timestamp, double Value, long Step)>> Metrics,
        List<(Dictionary<string, object?> Dataset, Dictionary<string, string> Tags)> Inputs);

    // _get_active_experiments: every folder of the root but .trash and models.
    public static List<Experiment> Experiments(string root) =>
        Directory.GetDirectories(root)
            .Where(folder => Path.GetFileName(folder) is not (".trash" or "models"))
            .Select(folder =>
            {
                var meta = ReadYaml(Path.Combine(folder, "meta.yaml"));
                var id = Expect<string>(meta, "experiment_id");
                if (id != Path.GetFileName(folder))
                    throw new InvalidDataException($"experiment_id {id} does not match its folder {folder}");
                return new Experiment(id, Expect<string>(meta, "name"), Expect<string>(meta, "artifact_location"), Expect<string>(meta, "lifecycle_stage"),
                    Expect<long>(meta, "creation_time"), Expect<long>(meta, "last_update_time"));
            })
            .ToList();

    // _list_run_infos: every folder of an experiment but the reserved ones (MLflow 3 adds models/, its LoggedModels).
    public static List<Run> Runs(string root, string experimentId)
    {
        var experimentFolder = Path.Combine(root, experimentId);
        return Directory.GetDirectories(experimentFolder)
            .Where(folder => Path.GetFileName(folder) is not ("tags" or "datasets" or "traces" or "models"))
            .Select(folder => ReadRun(experimentFolder, folder))
            .ToList();
    }

    private static Run ReadRun(string experimentFolder, string runFolder)
    {
        var meta = ReadYaml(Path.Combine(runFolder, "meta.yaml"));
        var run = new Run(
            Expect<string>(meta, "run_id"),
            Expect<string>(meta, "run_uuid"),
            Expect<string>(meta, "experiment_id"),
            Expect<string>(meta, "run_name"),
            Expect<string>(meta, "user_id"),
            (int)Expect<long>(meta, "status"),
            Expect<long>(meta, "start_time"),
            meta["end_time"] is null ? null : Expect<long>(meta, "end_time"),
            Expect<string>(meta, "artifact_uri"),
            Expect<string>(meta, "lifecycle_stage"),
            meta,
            ReadValues(Path.Combine(runFolder, "params")),
            ReadValues(Path.Combine(runFolder, "tags")),
            ReadMetrics(Path.Combine(runFolder, "metrics")),
            ReadInputs(experimentFolder, runFolder));
        if (run.RunId != Path.GetFileName(runFolder) || run.ExperimentId != Path.GetFileName(experimentFolder))
            throw new InvalidDataException($"run meta of {runFolder} names another run or experiment");
        return run;
    }

    // _get_resource_files + read_file: every file below the folder, its relative path (with '/') is the key, its text the value.
    private static Dictionary<string, string> ReadValues(string folder) =>
        !Directory.Exists(folder)
            ? []
            : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .ToDictionary(file => Path.GetRelativePath(folder, file).Replace('\\', '/'), file => File.ReadAllText(file, Encoding.UTF8));

    // _get_metric_from_line: "<int timestamp> <float value> [<int step>]".
    private static Dictionary<string, List<(long, double, long)>> ReadMetrics(string folder)
    {
        var metrics = new Dictionary<string, List<(long, double, long)>>();
        foreach (var (key, text) in ReadValues(folder))
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            metrics[key] = lines.Select(line =>
            {
                var parts = line.Trim().Split(' ');
                if (parts.Length is not (2 or 3))
                    throw new InvalidDataException($"Metric '{key}' is malformed; persisted metric data contained {parts.Length} fields.");
                return (long.Parse(parts[0], CultureInfo.InvariantCulture), PythonFloat(parts[1]), parts.Length == 3 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0L);
            }).ToList();
        }
        return metrics;
    }

    // _get_all_inputs: inputs/<id>/meta.yaml names a dataset folder of the experiment by source_id.
    private static List<(Dictionary<string, object?>, Dictionary<string, string>)> ReadInputs(string experimentFolder, string runFolder)
    {
        var inputs = Path.Combine(runFolder, "inputs");
        var datasets = Path.Combine(experimentFolder, "datasets");
        if (!Directory.Exists(inputs) || !Directory.Exists(datasets))
            return [];
        return Directory.GetDirectories(inputs).Select(folder =>
        {
            var document = LoadYaml(Path.Combine(folder, "meta.yaml"));
            var meta = ToDictionary(document);
            if (Expect<string>(meta, "source_type") != "DATASET" || Expect<string>(meta, "destination_type") != "RUN")
                throw new InvalidDataException($"input {folder} is not a dataset input of a run");
            var sourceId = Expect<string>(meta, "source_id");
            var dataset = ReadYaml(Path.Combine(datasets, sourceId, "meta.yaml"));
            foreach (var required in new[] { "name", "digest", "source_type", "source" })
                Expect<string>(dataset, required);
            var tagsNode = (YamlMappingNode)document.Children[new YamlScalarNode("tags")];
            var tags = tagsNode.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value!);
            return (dataset, tags);
        }).ToList();
    }

    public static string DatasetId(string name, string digest) => Md5(name + digest);

    public static string InputId(string datasetId, string runId) => Md5(datasetId + runId);

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static Dictionary<string, object?> ReadYaml(string path) => ToDictionary(LoadYaml(path));

    private static YamlMappingNode LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path, Encoding.UTF8);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static Dictionary<string, object?> ToDictionary(YamlMappingNode mapping) =>
        mapping.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => Resolve(pair.Value));

    // PyYAML's SafeLoader typing of scalars.
    private static object? Resolve(YamlNode node)
    {
        if (node is YamlSequenceNode sequence)
            return sequence.Children.Select(Resolve).ToList();
        if (node is YamlMappingNode mapping)
            return ToDictionary(mapping);
        var scalar = (YamlScalarNode)node;
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
            return text;
        if (Null().IsMatch(text))
            return null;
        if (Int().IsMatch(text))
            return long.Parse(text.Replace("_", ""), CultureInfo.InvariantCulture);
        if (Bool().IsMatch(text) || Float().IsMatch(text))
            throw new InvalidDataException($"'{text}' would be read by PyYAML as a bool or float, which no MLflow meta field is");
        return text;
    }

    private static T Expect<T>(Dictionary<string, object?> meta, string key)
    {
        if (!meta.TryGetValue(key, out var value))
            throw new InvalidDataException($"meta.yaml lacks '{key}'");
        return value is T typed ? typed : throw new InvalidDataException($"meta.yaml field '{key}' is {value?.GetType().Name ?? "null"} '{value}', MLflow expects {typeof(T).Name}");
    }

    // Python's float() of the spellings MLflow writes.
    private static double PythonFloat(string text) => text switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?:~|null|Null|NULL|)$")]
    private static partial Regex Null();

    [GeneratedRegex(@"^[-+]?(?:0|[1-9][0-9_]*)$")]
    private static partial Regex Int();

    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex Bool();

    [GeneratedRegex(@"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$|^\.(?:inf|nan)$")]
    private static partial Regex Float();
}
