using System.Diagnostics;
using System.Text.Json.Nodes;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// Speed of the pipeline's hot paths on this machine: ingest and split of an archive, WordPiece tokenization,
/// and MiniLM-L6 training steps (fp32, bf16) and inference at a fixed batch shape, through the same code the
/// stages run. Each figure is the median over repetitions after a warm-up.
/// </summary>
public sealed class BenchmarkSuite(BenchmarkOptions options)
{
    public async Task<IReadOnlyList<BenchmarkResult>> RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        var results = new List<BenchmarkResult>();
        var scratch = Directory.CreateTempSubdirectory("imdbx-bench-");
        try
        {
            var archive = options.Archive;
            if (archive is null)
            {
                archive = Path.Combine(scratch.FullName, "synthetic.tar.gz");
                SyntheticImdb.WriteArchive(archive, 2500, seed: 1);
            }
            log($"bench     data: {archive}");
            var reviewsPath = Path.Combine(scratch.FullName, "reviews.jsonl");
            var ingest = Time(() => ImdbIngester.Ingest(archive, reviewsPath, new IngestOptions(Partial: true), cancellationToken));
            results.Add(new("ingest", ingest.Seconds, "s", $"{ingest.Value.Written.Total:N0} reviews, {new FileInfo(archive).Length / 1e6:0.0} MB archive"));

            var split = Time(() => DatasetSplitter.Split(ReviewFile.Read(reviewsPath), new SplitOptions(42, 0.1)));
            results.Add(new("split (read + split)", split.Seconds, "s", $"{split.Value.Train.Count:N0} / {split.Value.Validation.Count:N0} / {split.Value.Test.Count:N0}"));

            var modelFolder = Path.Combine(scratch.FullName, "minilm");
            MiniLmPackage.ImportTo(modelFolder);
            var encoder = WordPieceEncoder.Load(Path.Combine(modelFolder, "vocab.txt"), new WordPieceEncoderOptions { MaxLength = options.Length, StripHtml = true });
            var texts = ReviewFile.Read(reviewsPath).Select(r => r.Text).ToArray();
            encoder.EncodeAll(texts.Take(500).ToArray(), cancellationToken: cancellationToken);  // warm-up (JIT)
            var tokenize = Median(3, () => encoder.EncodeAll(texts, cancellationToken: cancellationToken));
            results.Add(new("tokenize", texts.Length / tokenize, "reviews/s", $"{texts.Length:N0} reviews, max_length {options.Length}, {Environment.ProcessorCount} threads"));

            var train = await WriteRandomTokensAsync(Path.Combine(scratch.FullName, "train.tokens"), options.Batch * (options.Steps + 1), encoder, cancellationToken);
            var validation = await WriteRandomTokensAsync(Path.Combine(scratch.FullName, "validation.tokens"), options.Batch, encoder, cancellationToken);
            foreach (var precision in options.Precisions)
            {
                log($"bench     MiniLM-L6 training, {precision.ToString().ToLowerInvariant()}, {options.Steps} steps of {options.Batch} x {options.Length}");
                var step = TrainStepSeconds(modelFolder, train, validation, Path.Combine(scratch.FullName, "run-" + precision), precision, cancellationToken);
                var flops = TrainingFlopsPerExample(modelFolder, options.Length) * options.Batch;
                results.Add(new($"train step ({precision.ToString().ToLowerInvariant()})", step, "s/step",
                    $"{options.Batch / step:0.0} examples/s, {flops / step / 1e9:0.0} GFLOP/s"));
            }

            log("bench     MiniLM-L6 inference");
            using (var checkpoint = HfModelFolder.Load(modelFolder))
            {
                var (model, _) = BertForSequenceClassification.FromPretrained(checkpoint, 1);
                using (model)
                using (var file = TokenFile.Open(validation))
                {
                    TrainingDevices.ApplyThreads(options.Threads);
                    Evaluator.PredictLogits(model, file, options.Batch);  // warm-up
                    var seconds = Median(3, () => Evaluator.PredictLogits(model, file, options.Batch));
                    results.Add(new("inference", seconds / file.Count * 1000, "ms/example", $"batch {options.Batch} x {options.Length}"));
                }
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
        return results;
    }

    public static JsonObject ToJson(IReadOnlyList<BenchmarkResult> results, BenchmarkOptions options) => new()
    {
        ["created_utc"] = DateTimeOffset.UtcNow.ToString("O"),
        ["machine"] = new JsonObject
        {
            ["processors"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["dotnet"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        },
        ["options"] = new JsonObject { ["batch"] = options.Batch, ["length"] = options.Length, ["steps"] = options.Steps, ["threads"] = options.Threads },
        ["results"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Name, ["value"] = r.Value, ["unit"] = r.Unit, ["detail"] = r.Detail,
        }).ToArray()),
    };

    /// <summary>Median seconds per optimizer step through the real Trainer, the first step (warm-up) left out.</summary>
    double TrainStepSeconds(string modelFolder, string trainPath, string validationPath, string runFolder, TrainingPrecision precision, CancellationToken cancellationToken)
    {
        using var checkpoint = HfModelFolder.Load(modelFolder);
        var (model, _) = BertForSequenceClassification.FromPretrained(checkpoint, 1);
        using (model)
        using (var train = TokenFile.Open(trainPath))
        using (var validation = TokenFile.Open(validationPath))
        {
            var spec = new TrainingSpec
            {
                MaxSteps = options.Steps + 1, BatchSize = options.Batch, EvalBatchSize = options.Batch, Precision = precision,
                Threads = options.Threads, CheckpointEvery = 1_000_000, GroupByLength = false, LogEvery = 1,
            };
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            var callbacks = new TrainingCallbacks
            {
                Step = _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); },
            };
            new Trainer(spec, 1).Train(model, train, validation, runFolder,
                new ModelExport(checkpoint.VocabPath, true), callbacks, cancellationToken);
            return Median(times.Skip(1).ToList());
        }
    }

    /// <summary>Training FLOPs per example: 6 per parameter per token (forward + backward) plus attention's 12 x layers x hidden x length per token.</summary>
    static double TrainingFlopsPerExample(string modelFolder, int length)
    {
        var config = BertConfig.Load(Path.Combine(modelFolder, BertConfig.FileName));
        var h = (double)config.HiddenSize;
        var perLayer = 4 * h * h + 2 * h * config.IntermediateSize;
        return length * (6 * perLayer * config.NumHiddenLayers + 12.0 * config.NumHiddenLayers * h * length);
    }

    /// <summary>Examples of exactly the benchmark length: [CLS], random wordpieces, [SEP]; seeded, so every run sees the same batch.</summary>
    async Task<string> WriteRandomTokensAsync(string path, int count, WordPieceEncoder encoder, CancellationToken cancellationToken)
    {
        var random = new DeterministicRandom(7);
        var ids = new int[count * options.Length];
        var offsets = new long[count + 1];
        for (var i = 0; i < count; i++)
        {
            var start = i * options.Length;
            ids[start] = encoder.ClassificationTokenId;
            for (var t = 1; t < options.Length - 1; t++) ids[start + t] = 1000 + random.NextInt(encoder.Vocabulary.Count - 1000);
            ids[start + options.Length - 1] = encoder.SeparatorTokenId;
            offsets[i + 1] = start + options.Length;
        }
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 2)).ToArray();
        await TokenFileWriter.WriteAsync(path, new EncodedTexts(ids, offsets), labels, Enumerable.Range(0, count).Select(i => $"bench/{i}").ToArray(),
            TokenFileMetadata.From(encoder), cancellationToken);
        return path;
    }

    static (T Value, double Seconds) Time<T>(Func<T> action)
    {
        var clock = Stopwatch.StartNew();
        var value = action();
        return (value, clock.Elapsed.TotalSeconds);
    }

    static double Median(int repetitions, Action action)
    {
        var times = new List<double>();
        for (var i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return Median(times);
    }

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
