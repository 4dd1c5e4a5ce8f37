using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// Fine-tunes a <see cref="BertForSequenceClassification"/> as Hugging Face's Trainer does: AdamW without weight decay on
/// biases and LayerNorm weights, a warmup schedule, gradient clipping and accumulation, length-grouped batches with
/// dynamic padding, evaluation, the best model kept, early stopping. Writes into a run folder:
/// <list type="bullet">
/// <item>history.jsonl: a line per logged step (<see cref="TrainStepEntry"/>) and per evaluation (<see cref="EvaluationEntry"/>);
/// the timing field and the timestamp come last on each line, everything before them is the same run after run on the CPU.</item>
/// <item>best/: the best model so far as a Hugging Face folder.</item>
/// <item>checkpoints/step-N/: resumable checkpoints (<see cref="CheckpointStore"/>); a run resumes from the newest.</item>
/// <item>training_result.json: written when the run is over; a finished run given again returns it without training.</item>
/// </list>
/// On the CPU, a run that is stopped (Ctrl-C, kill -9) and started again ends with the same bytes in history.jsonl
/// (timings aside), the same weights and the same metrics as one that was never stopped.
/// </summary>
public sealed class Trainer(TrainingSpec spec, int seed)
{
    public const string BestFolderName = "best";

    public TrainingSpec Spec { get; } = spec;
    public int Seed { get; } = seed;

    /// <summary>Optimizer steps per epoch: batches per epoch / accumulation steps, rounded up (a short last group still steps).</summary>
    public int StepsPerEpoch(int trainExamples) =>
        (BatchPlan.BatchCount(trainExamples, Spec.BatchSize) + Spec.GradientAccumulationSteps - 1) / Spec.GradientAccumulationSteps;

    /// <summary>max_steps, else ceil(epochs x steps per epoch).</summary>
    public int TotalSteps(int trainExamples) => Spec.MaxSteps ?? Math.Max(1, (int)Math.Ceiling(Spec.Epochs * StepsPerEpoch(trainExamples)));

    /// <summary>
    /// Trains <paramref name="model"/> (moved to the spec's device) in place, resuming from the newest checkpoint in
    /// <paramref name="runFolder"/> when there is one. On cancellation it writes a checkpoint (when a step was done since
    /// the last) and throws <see cref="OperationCanceledException"/>. At the end <paramref name="model"/> holds the last
    /// step's weights; the best are in <see cref="TrainingResult.BestModelFolder"/>.
    /// </summary>
    public TrainingResult Train(BertForSequenceClassification model, TokenFile train, TokenFile validation, string runFolder, ModelExport export,
        TrainingCallbacks? callbacks = null, CancellationToken cancellationToken = default)
    {
        callbacks ??= new TrainingCallbacks();
        Evaluator.RequireLabels(model);
        CheckTokenFile(train, model.Config, "train");
        CheckTokenFile(validation, model.Config, "validation");
        runFolder = Path.GetFullPath(runFolder);
        Directory.CreateDirectory(runFolder);
        var bestFolder = Path.Combine(runFolder, BestFolderName);
        var historyPath = Path.Combine(runFolder, TrainingHistory.FileName);
        var fingerprint = Fingerprint(model.Config, train, validation);

        var resultPath = Path.Combine(runFolder, TrainingResult.FileName);
        if (File.Exists(resultPath) && JsonNode.Parse(File.ReadAllText(resultPath)) is JsonObject finished
            && finished["fingerprint"]?.GetValue<string>() == fingerprint && Directory.Exists(bestFolder))
            return TrainingResult.FromJson(finished, bestFolder, historyPath);

        RemoveTemporaryFolders(runFolder);
        TrainingDevices.ApplyThreads(Spec.Threads);
        var device = TrainingDevices.Resolve(Spec.Device);
        // TorchSharp reads and restores only the CPU generator, so a recomputed layer would draw other CUDA dropout masks.
        if (Spec.GradientCheckpointing && device.type != DeviceType.CPU && (model.Config.HiddenDropoutProb > 0 || model.Config.AttentionProbsDropoutProb > 0))
            throw new ArgumentException($"training.gradient_checkpointing is true on {device.type}: allowed on the CPU, or with model.hidden_dropout_prob " +
                "and model.attention_probs_dropout_prob both 0 (the CUDA generator cannot be replayed, so recomputed dropout masks would differ).");
        model.to(device);
        using var bf16 = Spec.Precision == TrainingPrecision.Bf16 ? Bf16ComputeCopy.Create(model, device) : null;
        var compute = bf16?.Model ?? model;
        compute.GradientCheckpointing = Spec.GradientCheckpointing;
        using var optimizer = CreateOptimizer(model);
        var parameters = model.parameters().ToArray();

        // Dropout draws from libtorch's global generator: seeded here, restored from a checkpoint below.
        manual_seed(Seed);
        if (device.type == DeviceType.CUDA)
            cuda.manual_seed_all(Seed);

        var checkpoints = new CheckpointStore(Path.Combine(runFolder, CheckpointStore.FolderName), Spec.KeepCheckpoints);
        checkpoints.RemoveTorn();
        var totalSteps = TotalSteps(train.Count);
        var state = new TrainerState();
        int? resumedFrom = null;
        if (checkpoints.Latest() is { } latest)
        {
            state = CheckpointStore.Restore(latest, fingerprint, model, optimizer);
            bf16?.CopyWeights();
            resumedFrom = state.Step;
            callbacks.Resumed?.Invoke(latest, state.Step);
        }
        using var history = TrainingHistory.Open(historyPath, state.HistoryBytes);

        var schedule = LearningRateSchedule.For(Spec, totalSteps);
        var lengths = new int[train.Count];
        for (var i = 0; i < lengths.Length; i++)
            lengths[i] = train.Length(i);
        var batchesPerEpoch = BatchPlan.BatchCount(train.Count, Spec.BatchSize);
        var accumulation = Spec.GradientAccumulationSteps;

        var session = Stopwatch.StartNew();
        var sessionStartStep = state.Step;
        long sessionExamples = 0;
        var window = Stopwatch.StartNew();
        var lastCheckpointStep = state.Step;
        var lastCheckpointFolder = resumedFrom is null ? null : checkpoints.Latest();
        var stoppedEarly = false;
        IReadOnlyList<int[]>? batches = null;
        var batchesEpoch = -1;
        compute.train();

        void Checkpoint()
        {
            history.Sync();
            state.HistoryBytes = history.Length;
            var saved = state.ElapsedSeconds;
            state.ElapsedSeconds += session.Elapsed.TotalSeconds;
            var folder = checkpoints.Write(state, fingerprint, totalSteps, model, optimizer);
            state.ElapsedSeconds = saved;
            lastCheckpointStep = state.Step;
            lastCheckpointFolder = folder;
            callbacks.Checkpointed?.Invoke(folder, state.Step);
        }

        while (state.Step < totalSteps && !stoppedEarly)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (state.Step > lastCheckpointStep)
                    Checkpoint();
                throw new TrainingStoppedException(state.Step, totalSteps, lastCheckpointFolder, cancellationToken);
            }
            if (batchesEpoch != state.Epoch)
            {
                batches = BatchPlan.TrainingBatches(lengths, Spec.BatchSize, accumulation, Spec.GroupByLength, Seed, state.Epoch);
                batchesEpoch = state.Epoch;
            }

            // One optimizer step: an aligned group of up to `accumulation` batches, each loss scaled by 1 / group size.
            var groupStart = state.NextBatch;
            var groupEnd = Math.Min(groupStart + accumulation, batchesPerEpoch);
            var stepLoss = 0.0;
            var stepExamples = 0;
            for (var b = groupStart; b < groupEnd; b++)
            {
                using var batch = TokenBatch.Create(train, batches![b], model.Config.PadTokenId, device);
                stepLoss += TrainingStep.Backward(compute, batch, groupEnd - groupStart) / (double)(groupEnd - groupStart);
                stepExamples += batch.Count;
            }
            var learningRate = Spec.LearningRate * schedule.Factor(state.Step);
            var gradNorm = TrainingStep.Update(model, bf16, optimizer, parameters, Spec.MaxGradNorm, learningRate);

            state.Step++;
            var epoch = state.Epoch + (double)groupEnd / batchesPerEpoch;
            var epochEnded = groupEnd == batchesPerEpoch;
            state.NextBatch = epochEnded ? 0 : groupEnd;
            if (epochEnded)
                state.Epoch++;
            state.WindowSteps++;
            state.WindowLoss += stepLoss;
            state.WindowExamples += stepExamples;
            sessionExamples += stepExamples;

            var elapsed = session.Elapsed;
            var stepsThisSession = state.Step - sessionStartStep;
            callbacks.Step?.Invoke(new TrainingProgress(state.Step, totalSteps, epoch, stepLoss, learningRate,
                sessionExamples / Math.Max(elapsed.TotalSeconds, 1e-9), elapsed,
                elapsed * ((double)(totalSteps - state.Step) / stepsThisSession)));

            var lastStep = state.Step == totalSteps;
            if (state.Step % Spec.LogEvery == 0 || lastStep)
            {
                var entry = new TrainStepEntry(state.Step, epoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), state.WindowLoss / state.WindowSteps,
                    learningRate, gradNorm, Math.Round(state.WindowExamples / Math.Max(window.Elapsed.TotalSeconds, 1e-9), 3));
                history.Append(entry);
                callbacks.Logged?.Invoke(entry);
                (state.WindowSteps, state.WindowLoss, state.WindowExamples) = (0, 0, 0);
                window.Restart();
            }

            var evaluationDue = Spec.EvalEvery is { } every ? state.Step % every == 0 : epochEnded;
            if (evaluationDue || lastStep)
                // The evaluation is part of its step: a Ctrl-C during it takes effect at the next step boundary, since a
                // checkpoint of a step whose evaluation was skipped would resume to a different history and best model.
                stoppedEarly = Evaluate(compute, model, validation, state, history, bestFolder, export, epoch, callbacks, CancellationToken.None) && !lastStep;

            if (state.Step % Spec.CheckpointEvery == 0 && !lastStep && !stoppedEarly)
                Checkpoint();
        }

        if (state.BestMetrics is null || state.BestStep is null)
            throw new InvalidOperationException("Training ended without an evaluation; this is a bug.");
        history.Sync();
        var result = new TrainingResult(state.BestStep.Value, state.BestMetrics, state.Step, totalSteps,
            state.Epoch + (double)state.NextBatch / batchesPerEpoch,
            stoppedEarly, state.ElapsedSeconds + session.Elapsed.TotalSeconds, resumedFrom, bestFolder, historyPath);
        EvaluationResult.WriteAtomicallyAsync(resultPath, result.ToJson(fingerprint).ToJsonString() + "\n", CancellationToken.None).GetAwaiter().GetResult();
        return result;
    }

    /// <summary>Deletes the resumable checkpoints of a run (they hold the optimizer state, about 3x the model); a finished run does not need them.</summary>
    public static void DeleteCheckpoints(string runFolder)
    {
        var folder = Path.Combine(runFolder, CheckpointStore.FolderName);
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    /// <summary>Temporary folders of a best-model save that a kill interrupted (".best.tmp-*", ".best.old-*").</summary>
    private static void RemoveTemporaryFolders(string runFolder)
    {
        foreach (var leftover in Directory.EnumerateDirectories(runFolder, "." + BestFolderName + ".*"))
            Directory.Delete(leftover, recursive: true);
    }

    /// <summary>Evaluates, logs, saves the best model, counts patience; true when early stopping says stop.</summary>
    private bool Evaluate(BertForSequenceClassification compute, BertForSequenceClassification model, TokenFile validation, TrainerState state,
        TrainingHistory history, string bestFolder, ModelExport export, double epoch, TrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var logits = Evaluator.PredictLogits(compute, validation, Spec.EvalBatchSize, cancellationToken: cancellationToken);
        var labels = new int[validation.Count];
        for (var i = 0; i < labels.Length; i++)
            labels[i] = validation.Label(i);
        var metrics = ClassificationMetrics.FromLogits(labels, logits, export.Labels ?? (model.Config.NumLabels == 2 ? HfModelFolder.DefaultLabels : model.Config.Labels));
        var value = metrics.Get(Spec.MetricForBest);
        var isBest = state.BestStep is null || ClassificationMetrics.IsImprovement(Spec.MetricForBest, value, state.BestValue);
        if (isBest)
        {
            HfModelFolder.Save(model, model.Config, export.VocabPath, bestFolder, export.DoLowerCase, export.Labels, export.ModelMaxLength);
            if (export.Tokenizer is { } tokenizer)
                TokenizerConfigFile.Write(bestFolder, tokenizer);
            (state.BestStep, state.BestValue, state.BestMetrics, state.EvaluationsWithoutImprovement) = (state.Step, value, metrics, 0);
        }
        else
        {
            state.EvaluationsWithoutImprovement++;
        }
        state.LastEvaluatedStep = state.Step;

        var record = new EvaluationRecord(state.Step, epoch, metrics, Spec.MetricForBest, isBest, state.EvaluationsWithoutImprovement, clock.Elapsed);
        var entry = EvaluationEntry.From(record, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        history.Append(entry);
        callbacks.Evaluation?.Invoke(record);
        callbacks.Logged?.Invoke(entry);
        return Spec.EarlyStoppingPatience is { } patience && state.EvaluationsWithoutImprovement >= patience;
    }

    /// <summary>AdamW with two groups, as Hugging Face's Trainer: no weight decay for biases and LayerNorm weights.</summary>
    internal AdamW CreateOptimizer(BertForSequenceClassification model)
    {
        var named = model.named_parameters().ToArray();
        static bool NoDecay(string name) => name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("LayerNorm.", StringComparison.Ordinal);
        var groups = new[]
        {
            new AdamW.ParamGroup(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter).ToArray(),
                Spec.LearningRate, Spec.AdamBeta1, Spec.AdamBeta2, Spec.AdamEpsilon, Spec.WeightDecay),
            new AdamW.ParamGroup(named.Where(p => NoDecay(p.name)).Select(p => p.parameter).ToArray(),
                Spec.LearningRate, Spec.AdamBeta1, Spec.AdamBeta2, Spec.AdamEpsilon, weight_decay: 0),
        };
        return optim.AdamW(groups, Spec.LearningRate, Spec.AdamBeta1, Spec.AdamBeta2, Spec.AdamEpsilon, Spec.WeightDecay);
    }

    /// <summary>What a checkpoint must agree on to be resumed: the spec, the seed, the data and the model's shape.</summary>
    private string Fingerprint(BertConfig config, TokenFile train, TokenFile validation)
    {
        var text = new StringBuilder()
            .AppendLine(Spec.ToString()).AppendLine(Seed.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .AppendLine($"{train.Count} {train.TotalTokens} {train.VocabularySha256}")
            .AppendLine($"{validation.Count} {validation.TotalTokens} {validation.VocabularySha256}")
            .AppendLine(config.ToJson());
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void CheckTokenFile(TokenFile file, BertConfig config, string split)
    {
        if (file.Count == 0)
            throw new ArgumentException($"The {split} token file '{file.Path}' has no examples.");
        if (file.VocabularySize > config.VocabSize)
            throw new ArgumentException($"The {split} token file '{file.Path}' was made with a vocabulary of {file.VocabularySize} tokens, " +
                $"but the model's vocab_size is {config.VocabSize}; tokenize with the model's vocab.txt.");
        if (file.LongestExample > config.MaxPositionEmbeddings)
            throw new ArgumentException($"The {split} token file '{file.Path}' has an example of {file.LongestExample} tokens, " +
                $"but the model takes at most {config.MaxPositionEmbeddings} (max_position_embeddings); set tokenizer.max_length to at most that.");
    }
}
