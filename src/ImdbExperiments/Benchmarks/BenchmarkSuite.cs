using System.Diagnostics;
using System.Globalization;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// Speed of the pipeline's hot paths on this machine, through the same code the stages run: the fp32 (and bf16)
/// matmul ceiling, ingest and split of an archive, WordPiece tokenization, training steps through the real
/// <see cref="Trainer"/> for every model x length x precision, and fp32 inference for every model x length, with
/// model-FLOPs utilization against the fp32 ceiling and the peak resident memory of each model measurement.
/// Each time is the median over repetitions after a warm-up; the matmul ceiling is the best (see <see cref="MatmulCeiling"/>).
/// </summary>
public sealed class BenchmarkSuite(BenchmarkOptions options)
{
    const int InferenceRepetitions = 3;
    const int ModelSeed = 1;

    long? processPeak;
    bool peakWasReset;

    public async Task<BenchmarkRun> RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        options.Validate();
        var started = DateTimeOffset.UtcNow;
        var threads = TrainingDevices.ApplyThreads(options.Threads);
        var results = new List<BenchmarkResult>();
        var scratch = Directory.CreateTempSubdirectory("imdbx-bench-");
        try
        {
            // Every GEMM path's fp32 ceiling; fp32 rows are measured against the path this process trains with, bf16 rows
            // against the bf16 ceiling (bf16 products are libtorch's on every path).
            var gemm = GemmSelection.Current;
            log($"bench     gemm path: {Name(gemm.Path)} ({gemm.Reason}); CPU {gemm.Cpu.Describe()}");
            log($"bench     malloc: {NativeMemory.Name(NativeMemory.Policy)}{(NativeMemory.Reason is { } why ? $" ({why})" : "")}");
            var ceilings = new Dictionary<TrainingPrecision, double?>();
            foreach (var kernel in GemmKernel.Available())
            {
                var row = MeasureCeiling(TrainingPrecision.Fp32, kernel, threads, log, cancellationToken);
                results.Add(row);
                if (kernel.Name == Name(gemm.Path))
                    ceilings[TrainingPrecision.Fp32] = row.Gflops;
            }
            if (options.GemmStudy)
            {
                var miniLmConfig = options.Models.Any(m => m.IsPretrained) ? MiniLmPackage.ImportTo(Path.Combine(scratch.FullName, "minilm")) : null;
                var shapes = options.Models.SelectMany(m => options.Lengths.SelectMany(l =>
                    GemmShape.OfModel(m.Name, Configure(m.RandomConfig ?? miniLmConfig!), options.Batch, l))).ToList();
                results.AddRange(GemmStudy.Run(shapes, GemmKernel.Available(), log, cancellationToken));
            }
            // Last: without AVX-512 (BF16) libtorch's bf16 matmul is a slow generic kernel, minutes for this ceiling.
            if (options.Precisions.Contains(TrainingPrecision.Bf16))
            {
                var row = MeasureCeiling(TrainingPrecision.Bf16, GemmKernel.LibTorch, threads, log, cancellationToken);
                results.Add(row);
                ceilings[TrainingPrecision.Bf16] = row.Gflops;
            }
            if (options.GemmStudy)
                return Finish(results, threads, started);

            var archive = options.Archive;
            if (archive is null)
            {
                archive = Path.Combine(scratch.FullName, "synthetic.tar.gz");
                SyntheticImdb.WriteArchive(archive, options.SyntheticReviewsPerLabel, seed: 1);
            }
            log($"bench     ingest and split: {options.Archive ?? $"a synthetic archive of {4 * options.SyntheticReviewsPerLabel:N0} reviews"}");
            var reviewsPath = Path.Combine(scratch.FullName, "reviews.jsonl");
            var ingest = Time(() => ImdbIngester.Ingest(archive, reviewsPath, new IngestOptions(Partial: true), cancellationToken));
            results.Add(new(BenchmarkResult.Ingest, ingest.Seconds, "s", $"{ingest.Value.Written.Total:N0} reviews, {new FileInfo(archive).Length / 1e6:0.00} MB archive")
                { Seconds = ingest.Seconds });

            var split = Time(() => DatasetSplitter.Split(ReviewFile.Read(reviewsPath), new SplitOptions(42, 0.1)));
            results.Add(new(BenchmarkResult.Split, split.Seconds, "s", $"read + split into {split.Value.Train.Count:N0} / {split.Value.Validation.Count:N0} / {split.Value.Test.Count:N0}")
                { Seconds = split.Seconds });

            log("bench     tokenize (MiniLM's WordPiece vocabulary)");
            var miniLmFolder = Path.Combine(scratch.FullName, "minilm");
            MiniLmPackage.ImportTo(miniLmFolder);
            var vocabPath = Path.Combine(miniLmFolder, HfModelFolder.VocabFileName);
            var maxLength = options.Lengths.Max();
            var encoder = WordPieceEncoder.Load(vocabPath, new WordPieceEncoderOptions { MaxLength = maxLength, StripHtml = true });
            var texts = ReviewFile.Read(reviewsPath).Select(r => r.Text).ToArray();
            encoder.EncodeAll(texts.Take(500).ToArray(), cancellationToken: cancellationToken);  // warm-up (JIT)
            var tokenize = Median(3, () => encoder.EncodeAll(texts, cancellationToken: cancellationToken));
            results.Add(new(BenchmarkResult.Tokenize, texts.Length / tokenize, "reviews/s", $"{texts.Length:N0} reviews, max_length {maxLength}")
                { Length = maxLength, Seconds = tokenize, ExamplesPerSecond = texts.Length / tokenize });

            // On a real archive: what an epoch of the training split costs, batches grouped by length as training does.
            if (options.Archive is not null)
            {
                foreach (var length in BenchmarkOptions.EpochLengths)
                {
                    foreach (var precision in options.Precisions)
                    {
                        log($"bench     epoch estimate minilm {options.Batch} x (up to {length}) {Name(precision)}: {split.Value.Train.Count:N0} training reviews grouped by length, 1 warm-up + {options.Steps} timed steps");
                        var row = await MeasureEpochAsync(split.Value.Train, length, precision, miniLmFolder, vocabPath, Path.Combine(scratch.FullName, "epoch"), cancellationToken);
                        log($"bench     {row.TokensPerSecond:N0} tokens/s, estimated epoch {row.Seconds / 60:0.0} min");
                        results.Add(row);
                    }
                }
            }

            var tokenFiles = new Dictionary<int, (string Train, string Validation)>();
            foreach (var length in options.Lengths)
            {
                tokenFiles[length] = (
                    await WriteRandomTokensAsync(Path.Combine(scratch.FullName, $"train-{length}.tokens"), options.Batch * (options.Steps + 1), length, encoder, cancellationToken),
                    await WriteRandomTokensAsync(Path.Combine(scratch.FullName, $"validation-{length}.tokens"), options.Batch, length, encoder, cancellationToken));
            }

            foreach (var model in options.Models)
            {
                foreach (var length in options.Lengths)
                {
                    var (train, validation) = tokenFiles[length];
                    BenchmarkResult? fp32Train = null;
                    foreach (var precision in options.Precisions)
                    {
                        log($"bench     train {model.Name} {options.Batch} x {length} {Name(precision)}: 1 warm-up + {options.Steps} timed steps");
                        var row = MeasureTraining(model, length, precision, miniLmFolder, train, validation, Path.Combine(scratch.FullName, "run"), ceilings.GetValueOrDefault(precision), cancellationToken);
                        log($"bench     {row.SecondsPerStep:0.000} s/step, {row.ExamplesPerSecond:0.0} examples/s, {row.Gflops:0.0} GFLOP/s");
                        results.Add(row);
                        if (precision == TrainingPrecision.Fp32)
                            fp32Train = row;
                    }
                    log($"bench     inference {model.Name} {options.Batch} x {length} fp32: 1 warm-up + {InferenceRepetitions} timed passes");
                    var inference = MeasureInference(model, length, miniLmFolder, validation, ceilings.GetValueOrDefault(TrainingPrecision.Fp32), fp32Train, cancellationToken);
                    log($"bench     {inference.ExamplesPerSecond:0.0} examples/s, {inference.Gflops:0.0} GFLOP/s");
                    results.Add(inference);
                }
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        return Finish(results, threads, started);
    }

    BenchmarkRun Finish(List<BenchmarkResult> results, int threads, DateTimeOffset started)
    {
        FoldPeak(ResidentMemory.PeakBytes());
        // Without /proc (Windows), the runtime's own figure: never reset there, so it is the whole run's peak.
        var overall = processPeak ?? (Process.GetCurrentProcess().PeakWorkingSet64 is > 0 and var peak ? peak : null);
        return new BenchmarkRun(options, threads, started, results, overall);
    }

    public static string Name(TrainingPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>The bench's name of a GEMM path: mkl or openblas (as <see cref="GemmKernel.Name"/> and IMDBX_GEMM spell it).</summary>
    public static string Name(GemmPath path) => path == GemmPath.OpenBlas ? GemmKernel.OpenBlasSgemm.Name : GemmKernel.LibTorch.Name;

    BenchmarkResult MeasureCeiling(TrainingPrecision precision, GemmKernel kernel, int threads, Action<string> log, CancellationToken cancellationToken)
    {
        var n = options.MatmulSize;
        var shapes = string.Join(", ", MatmulCeiling.ModelShapes.Select(s => $"{s.M} x {s.K} x {s.N}"));
        log($"bench     {Name(precision)} matmul ceiling through {kernel.Name}: {n} x {n} and {shapes}, {threads} threads, best of {BenchmarkOptions.MatmulRepetitions} each");
        var dtype = precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var (gflops, seconds, (m, k, nn)) = MatmulCeiling.Best(n, dtype, BenchmarkOptions.MatmulRepetitions, cancellationToken, kernel);
        log($"bench     {gflops:0.0} GFLOP/s ({m} x {k} x {nn})");
        return new(BenchmarkResult.Matmul, gflops, "GFLOP/s",
            $"{kernel.Description}, {threads} threads, best of {BenchmarkOptions.MatmulRepetitions}, from {m} x {k} x {nn} (of {n}^3, {shapes})")
            { MatrixSize = n, Precision = Name(precision), Path = kernel.Name, Seconds = seconds, Gflops = gflops };
    }

    /// <summary>Median seconds per optimizer step through the real Trainer, the first step (warm-up) left out.</summary>
    BenchmarkResult MeasureTraining(BenchmarkModel benchmarkModel, int length, TrainingPrecision precision, string miniLmFolder,
        string trainPath, string validationPath, string runFolder, double? ceilingGflops, CancellationToken cancellationToken)
    {
        StartPeak();
        double seconds;
        BertConfig config;
        using (var model = CreateModel(benchmarkModel, miniLmFolder))
        using (var train = TokenFile.Open(trainPath))
        using (var validation = TokenFile.Open(validationPath))
        {
            config = model.Config;
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
            // The Trainer evaluates and saves the best model after the last step; that is outside the timed steps.
            new Trainer(spec, ModelSeed).Train(model, train, validation, runFolder,
                new ModelExport(Path.Combine(miniLmFolder, HfModelFolder.VocabFileName), true), callbacks, cancellationToken);
            seconds = Median(times.Skip(1).ToList());
        }
        var peak = EndPeak();
        Directory.Delete(runFolder, recursive: true);

        var gflops = BenchmarkFlops.Gflops(BenchmarkFlops.TrainingPerExample(config, length) * options.Batch, seconds);
        return new(BenchmarkResult.Train, seconds, "s/step", $"attention dropout {Number(config.AttentionProbsDropoutProb)}")
        {
            Model = benchmarkModel.Name, Batch = options.Batch, Length = length, Precision = Name(precision), Path = Name(GemmSelection.Current.Path),
            AttentionDropout = config.AttentionProbsDropoutProb, SecondsPerStep = seconds, ExamplesPerSecond = options.Batch / seconds,
            Gflops = gflops, Mfu = BenchmarkFlops.Utilization(gflops, ceilingGflops), PeakRssBytes = peak,
        };
    }

    /// <summary>
    /// Tokens per second of MiniLM training steps on the real training split at up to <paramref name="length"/> tokens,
    /// with Hugging Face's length grouping as the Trainer applies it, and the epoch time that gives: all the split's
    /// tokens over that rate. The timed steps are the plan's batches 1..steps (batch 0, the longest, is the warm-up).
    /// </summary>
    async Task<BenchmarkResult> MeasureEpochAsync(IReadOnlyList<Review> reviews, int length, TrainingPrecision precision, string miniLmFolder,
        string vocabPath, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var encoder = WordPieceEncoder.Load(vocabPath, new WordPieceEncoderOptions { MaxLength = length, StripHtml = true, Truncation = Text.TruncationMode.HeadPlusTail });
        var encoded = encoder.EncodeAll(reviews.Select(r => r.Text).ToArray(), cancellationToken: cancellationToken);
        var trainPath = Path.Combine(folder, "train.tokens");
        await TokenFileWriter.WriteAsync(trainPath, encoded, reviews.Select(r => (byte)r.Label).ToArray(), reviews.Select(r => r.Id).ToArray(),
            TokenFileMetadata.From(encoder), cancellationToken);
        var lengths = Enumerable.Range(0, encoded.Count).Select(encoded.Length).ToArray();
        var plan = BatchPlan.TrainingBatches(lengths, options.Batch, 1, true, ModelSeed, 0);
        var validationPath = await WriteRandomTokensAsync(Path.Combine(folder, "validation.tokens"), options.Batch, 8, encoder, cancellationToken);

        var times = new List<double>();
        using (var model = CreateModel(BenchmarkModel.MiniLm, miniLmFolder))
        using (var train = TokenFile.Open(trainPath))
        using (var validation = TokenFile.Open(validationPath))
        {
            var spec = new TrainingSpec
            {
                MaxSteps = options.Steps + 1, BatchSize = options.Batch, EvalBatchSize = options.Batch, Precision = precision,
                Threads = options.Threads, CheckpointEvery = 1_000_000, GroupByLength = true, LogEvery = 1,
            };
            var clock = Stopwatch.StartNew();
            var callbacks = new TrainingCallbacks { Step = _ => { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); } };
            new Trainer(spec, ModelSeed).Train(model, train, validation, Path.Combine(folder, "run"),
                new ModelExport(vocabPath, true), callbacks, cancellationToken);
        }
        Directory.Delete(folder, recursive: true);

        var timedTokens = plan.Skip(1).Take(times.Count - 1).Sum(batch => batch.Sum(i => (long)lengths[i]));
        var tokensPerSecond = timedTokens / times.Skip(1).Sum();
        var epochSeconds = encoded.TotalTokens / tokensPerSecond;
        var padded = plan.Sum(batch => (long)batch.Length * batch.Max(i => lengths[i]));
        return new(BenchmarkResult.Epoch, epochSeconds / 60, "min/epoch",
            $"{reviews.Count:N0} reviews, {encoded.TotalTokens:N0} tokens ({(double)padded / encoded.TotalTokens:0.00} x padded), head+tail, grouped by length, from {times.Count - 1} steps")
        {
            Model = BenchmarkModel.MiniLm.Name, Batch = options.Batch, Length = length, Precision = Name(precision), Path = Name(GemmSelection.Current.Path),
            Seconds = epochSeconds, TokensPerSecond = tokensPerSecond, SecondsPerStep = times.Skip(1).Sum() / (times.Count - 1),
        };
    }

    /// <summary>fp32 forward passes in eval mode without autograd, as evaluation and predict run them.</summary>
    BenchmarkResult MeasureInference(BenchmarkModel benchmarkModel, int length, string miniLmFolder, string validationPath,
        double? ceilingGflops, BenchmarkResult? fp32Train, CancellationToken cancellationToken)
    {
        StartPeak();
        double seconds;
        int count;
        BertConfig config;
        using (var model = CreateModel(benchmarkModel, miniLmFolder))
        using (var file = TokenFile.Open(validationPath))
        {
            config = model.Config;
            count = file.Count;
            Evaluator.PredictLogits(model, file, options.Batch, cancellationToken: cancellationToken);  // warm-up
            seconds = Median(InferenceRepetitions, () => Evaluator.PredictLogits(model, file, options.Batch, cancellationToken: cancellationToken));
        }
        var peak = EndPeak();

        var perExample = seconds / count;
        var gflops = BenchmarkFlops.Gflops(BenchmarkFlops.InferencePerExample(config, length) * count, seconds);
        var ratio = fp32Train?.SecondsPerStep is { } step ? perExample / (step / options.Batch) : (double?)null;
        return new(BenchmarkResult.Inference, count / seconds, "examples/s",
            ratio is { } r ? $"{r:0.00} x fp32 train time/example" : "no fp32 train row to compare")
        {
            Model = benchmarkModel.Name, Batch = options.Batch, Length = length, Precision = Name(TrainingPrecision.Fp32), Path = Name(GemmSelection.Current.Path),
            AttentionDropout = config.AttentionProbsDropoutProb, SecondsPerStep = seconds * options.Batch / count, ExamplesPerSecond = count / seconds,
            Gflops = gflops, Mfu = BenchmarkFlops.Utilization(gflops, ceilingGflops), InferenceToTrainTime = ratio, PeakRssBytes = peak,
        };
    }

    /// <summary>The classifier a measurement runs: the package's MiniLM weights or a seeded random init, with --attention-dropout applied.</summary>
    BertForSequenceClassification CreateModel(BenchmarkModel model, string miniLmFolder)
    {
        if (model.RandomConfig is { } random)
            return BertForSequenceClassification.CreateRandom(Configure(random), ModelSeed);

        using var checkpoint = HfModelFolder.Load(miniLmFolder);
        var classifier = new BertForSequenceClassification(Configure(checkpoint.Config));
        try
        {
            classifier.LoadWeights(checkpoint.Weights, ModelSeed, checkpoint.WeightsPath);
            return classifier;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    BertConfig Configure(BertConfig config) => config with
    {
        Labels = HfModelFolder.DefaultLabels,
        AttentionProbsDropoutProb = options.AttentionDropout ?? config.AttentionProbsDropoutProb,
    };

    /// <summary>Starts a measurement's peak: folds the peak so far into the process's, then resets it.</summary>
    void StartPeak()
    {
        FoldPeak(ResidentMemory.PeakBytes());
        peakWasReset = ResidentMemory.ResetPeak();
    }

    /// <summary>The measurement's peak RSS; null when the peak could not be reset or read.</summary>
    long? EndPeak()
    {
        var peak = ResidentMemory.PeakBytes();
        FoldPeak(peak);
        return peakWasReset ? peak : null;
    }

    void FoldPeak(long? bytes)
    {
        if (bytes is { } b)
            processPeak = Math.Max(processPeak ?? 0, b);
    }

    /// <summary>Examples of exactly <paramref name="length"/> tokens: [CLS], random wordpieces, [SEP]; seeded, so every run sees the same batch.</summary>
    static async Task<string> WriteRandomTokensAsync(string path, int count, int length, WordPieceEncoder encoder, CancellationToken cancellationToken)
    {
        var random = new DeterministicRandom(7);
        var ids = new int[count * length];
        var offsets = new long[count + 1];
        for (var i = 0; i < count; i++)
        {
            var start = i * length;
            ids[start] = encoder.ClassificationTokenId;
            for (var t = 1; t < length - 1; t++) ids[start + t] = 1000 + random.NextInt(encoder.Vocabulary.Count - 1000);
            ids[start + length - 1] = encoder.SeparatorTokenId;
            offsets[i + 1] = start + length;
        }
        var labels = Enumerable.Range(0, count).Select(i => (byte)(i % 2)).ToArray();
        await TokenFileWriter.WriteAsync(path, new EncodedTexts(ids, offsets), labels, Enumerable.Range(0, count).Select(i => $"bench/{i}").ToArray(),
            TokenFileMetadata.From(encoder), cancellationToken);
        return path;
    }

    static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

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

    internal static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
