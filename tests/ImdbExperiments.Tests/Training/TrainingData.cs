using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

/// <summary>
/// A tiny BERT and a synthetic task it learns in a few dozen steps: reviews of random filler words in which a
/// positive one holds "great" and a negative one "awful" (once or twice, anywhere).
/// </summary>
internal sealed class TrainingData : IDisposable
{
    public const int GreatId = 5, AwfulId = 6, FirstFillerId = 7;

    public static readonly BertConfig Config = new()
    {
        VocabSize = 100,
        HiddenSize = 32,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 64,
        MaxPositionEmbeddings = 64,
    };

    public static readonly TrainingSpec Spec = new()
    {
        Epochs = 2,
        BatchSize = 8,
        EvalBatchSize = 16,
        LearningRate = 5e-3,
        WeightDecay = 0.01,
        WarmupRatio = 0.1,
        LogEvery = 2,
        CheckpointEvery = 5,
        KeepCheckpoints = 2,
        MetricForBest = ValidationMetric.Accuracy,
        Device = TrainingDevice.Cpu,
        Threads = 1,
    };

    private readonly string _root = Directory.CreateTempSubdirectory("imdbx-training-").FullName;

    public TrainingData(int trainCount = 96, int validationCount = 40)
    {
        VocabPath = Path.Combine(_root, "vocab.txt");
        File.WriteAllText(VocabPath, string.Join("\n", Tokens) + "\n");
        var vocabulary = WordPieceVocabulary.Load(VocabPath);
        TrainTexts = MakeTexts(trainCount, seed: 1, "train");
        ValidationTexts = MakeTexts(validationCount, seed: 2, "validation");
        TrainPath = WriteTokenFile("train.tok", TrainTexts, vocabulary);
        ValidationPath = WriteTokenFile("validation.tok", ValidationTexts, vocabulary);
    }

    public static IReadOnlyList<string> Tokens { get; } =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "great", "awful", .. Enumerable.Range(0, Config.VocabSize - FirstFillerId).Select(i => $"w{i}")];

    public string VocabPath { get; }
    public string TrainPath { get; }
    public string ValidationPath { get; }
    public IReadOnlyList<(string Id, string Text, byte Label)> TrainTexts { get; }
    public IReadOnlyList<(string Id, string Text, byte Label)> ValidationTexts { get; }

    public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    public ModelExport Export => new(VocabPath, DoLowerCase: true);

    public static BertForSequenceClassification NewModel() => BertForSequenceClassification.CreateRandom(Config, seed: 7);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>Texts of 4 to 40 words; the label alternates so both classes are present.</summary>
    private static (string Id, string Text, byte Label)[] MakeTexts(int count, int seed, string split)
    {
        var random = new DeterministicRandom(seed);
        var result = new (string, string, byte)[count];
        for (var i = 0; i < count; i++)
        {
            var label = (byte)(i % 2);
            var words = Enumerable.Range(0, 4 + random.NextInt(37)).Select(_ => Tokens[FirstFillerId + random.NextInt(Tokens.Count - FirstFillerId)]).ToList();
            var cues = 1 + random.NextInt(2);
            for (var c = 0; c < cues; c++)
                words.Insert(random.NextInt(words.Count + 1), label == 1 ? "great" : "awful");
            result[i] = ($"{split}/{(label == 1 ? "pos" : "neg")}/{i}_{(label == 1 ? 8 : 2)}", string.Join(" ", words), label);
        }
        return result;
    }

    private string WriteTokenFile(string name, IReadOnlyList<(string Id, string Text, byte Label)> texts, WordPieceVocabulary vocabulary)
    {
        var encoder = new WordPieceEncoder(vocabulary, new WordPieceEncoderOptions { MaxLength = Config.MaxPositionEmbeddings });
        var encoded = encoder.EncodeAll(texts.Select(t => t.Text).ToArray(), maxDegreeOfParallelism: 1);
        var path = Path.Combine(_root, name);
        TokenFileWriter.WriteAsync(path, encoded, texts.Select(t => t.Label).ToArray(), texts.Select(t => t.Id).ToArray(),
            TokenFileMetadata.From(encoder)).GetAwaiter().GetResult();
        return path;
    }
}
