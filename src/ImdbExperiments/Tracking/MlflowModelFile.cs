using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Tracking;

/// <summary>
/// A Hugging Face classification folder as an MLflow model, laid out as <c>mlflow.transformers.save_model</c> writes a
/// text-classification pipeline from a local checkpoint (mlflow/transformers/__init__.py, model_io.py, flavor_config.py
/// build_flavor_config_from_local_checkpoint; mlflow/models/model.py Model.to_dict / to_yaml), so
/// <c>mlflow.transformers.load_model</c> and <c>mlflow.pyfunc.load_model</c> find every file:
/// <code>
/// MLmodel                   flavors python_function (loader mlflow.transformers) and transformers
/// model/                    config.json, model.safetensors       (_MODEL_BINARY_FILE_NAME = "model")
/// components/tokenizer/     vocab.txt, tokenizer_config.json, special_tokens_map.json  (_COMPONENTS_BINARY_DIR_NAME)
/// requirements.txt, python_env.yaml, conda.yaml
/// </code>
/// </summary>
public static class MlflowModelFile
{
    public const string FileName = "MLmodel";
    public const string ModelFolder = "model";
    public const string TokenizerFolder = "components/tokenizer";
    public const string TransformersFlavor = "transformers";

    /// <summary>The MLflow and transformers releases whose layout and loader this package targets (written into MLmodel and the env files).</summary>
    public const string MlflowVersion = "3.1.0";
    public const string TransformersVersion = "4.46.0";
    public const string PythonVersion = "3.11";

    // Files of a BertTokenizer's save_pretrained; everything else of the folder is the model's.
    private static readonly string[] TokenizerFiles = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "added_tokens.json"];

    /// <summary>Copies <paramref name="hfFolder"/> into <paramref name="destination"/> in MLflow's transformers layout, replacing it atomically.</summary>
    public static void Package(string hfFolder, string destination)
    {
        destination = Path.GetFullPath(destination);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        try
        {
            foreach (var file in Directory.EnumerateFiles(hfFolder).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var folder = TokenizerFiles.Contains(name) ? TokenizerFolder : ModelFolder;
                var target = Path.Combine(temporary, folder.Replace('/', Path.DirectorySeparatorChar), name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            File.WriteAllText(Path.Combine(temporary, "requirements.txt"), $"mlflow=={MlflowVersion}\ntransformers=={TransformersVersion}\ntorch\n");
            File.WriteAllText(Path.Combine(temporary, "python_env.yaml"),
                $"python: {PythonVersion}\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n");
            File.WriteAllText(Path.Combine(temporary, "conda.yaml"),
                $"channels:\n- conda-forge\ndependencies:\n- python={PythonVersion}\n- pip\n- pip:\n  - mlflow=={MlflowVersion}\n  - transformers=={TransformersVersion}\n  - torch\nname: mlflow-env\n");
            if (Directory.Exists(destination))
                Directory.Delete(destination, recursive: true);
            Directory.Move(temporary, destination);
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>Writes <c>MLmodel</c> into a packaged folder, naming the LoggedModel and run it belongs to.</summary>
    public static void Write(string packagedFolder, string modelId, string runId, string artifactPath, string architecture, DateTimeOffset created)
    {
        var transformers = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["code"] = null,
            ["components"] = new[] { "tokenizer" },
            ["framework"] = "pt",
            ["instance_type"] = "TextClassificationPipeline",
            ["model_binary"] = ModelFolder,
            ["pipeline_model_type"] = architecture,
            ["source_model_name"] = ModelFolder,
            ["task"] = "text-classification",
            ["tokenizer_type"] = "BertTokenizerFast",
            ["torch_dtype"] = "torch.float32",
            ["transformers_version"] = TransformersVersion,
        };
        var pythonFunction = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["env"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["conda"] = "conda.yaml", ["virtualenv"] = "python_env.yaml" },
            ["loader_module"] = "mlflow.transformers",
            ["python_version"] = PythonVersion,
        };
        var root = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["artifact_path"] = artifactPath,
            ["flavors"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["python_function"] = pythonFunction, [TransformersFlavor] = transformers },
            ["mlflow_version"] = MlflowVersion,
            ["model_id"] = modelId,
            ["model_size_bytes"] = SizeOf(packagedFolder),
            // Model.__init__: uuid.uuid4().hex; derived from the model id so a re-write is byte-identical.
            ["model_uuid"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modelId)))[..32],
            ["run_id"] = runId,
            // Model.__init__: datetime.utcnow() formatted "%Y-%m-%d %H:%M:%S.%f".
            ["utc_time_created"] = created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        };
        var builder = new StringBuilder();
        WriteMapping(builder, root, 0);
        var path = Path.Combine(packagedFolder, FileName);
        var temporary = Path.Combine(packagedFolder, $".{FileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, builder.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    // The size of the model's files, MLmodel excluded (it is written last).
    private static long SizeOf(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetFileName(file) != FileName && !Path.GetFileName(file).StartsWith('.'))
            .Aggregate(0L, (total, file) => checked(total + new FileInfo(file).Length));

    // PyYAML's safe_dump(default_flow_style=False): sorted keys, two-space mappings, sequences at their key's column.
    private static void WriteMapping(StringBuilder builder, SortedDictionary<string, object?> mapping, int indent)
    {
        var pad = new string(' ', indent);
        foreach (var (key, value) in mapping)
        {
            builder.Append(pad).Append(MlflowYaml.Scalar(key)).Append(':');
            switch (value)
            {
                case null:
                    builder.Append(" null\n");
                    break;
                case string text:
                    builder.Append(' ').Append(MlflowYaml.Scalar(text)).Append('\n');
                    break;
                case long number:
                    builder.Append(' ').Append(number.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case SortedDictionary<string, object?> inner:
                    builder.Append('\n');
                    WriteMapping(builder, inner, indent + 2);
                    break;
                case string[] items:
                    builder.Append('\n');
                    foreach (var item in items)
                        builder.Append(pad).Append("- ").Append(MlflowYaml.Scalar(item)).Append('\n');
                    break;
                default:
                    throw new ArgumentException($"MLmodel value of '{key}' has unsupported type {value.GetType().Name}.", nameof(mapping));
            }
        }
    }
}
