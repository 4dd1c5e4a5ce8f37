using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;

namespace ImdbExperiments.Stages;

/// <summary>
/// train: fine-tunes the model on the train split, evaluating on validation; publishes the best model
/// (<c>model/</c>, a Hugging Face folder), <c>history.jsonl</c> and <c>training_result.json</c>.
/// Checkpoints live in <c>artifacts/work/train/&lt;key&gt;/</c> until the stage is published, so a killed run
/// started again with the same command resumes from the last one.
/// </summary>
public sealed class TrainStage : Stage
{
    public const string ModelFolder = "model";
    public const string ResultFileName = "training_result.json";

    public override string Name => "train";
    // 2: CPU dropout draws its masks with DropoutMask's hash instead of libtorch's Bernoulli sampler, so the same spec
    // trains to different (equally reproducible) weights; a cached version-1 result must not stand in for it.
    // 3: the model's tokenizer_config.json carries the tokenization training used (do_lower_case, model_max_length = tokenizer.max_length,
    // truncation, head tokens, HTML stripping) instead of the base checkpoint's; a version-2 folder would predict with other settings.
    // 4: the head has one output per label of the data and the folder's id2label names them as ingest recorded them (a table's
    // own label names, not NEGATIVE/POSITIVE); ingest is read for that label set.
    public override int FormatVersion => 4;
    public override IReadOnlyList<string> Upstream => ["model", "tokenize", "ingest"];

    // model.num_labels only checks the data's count: in the key only when set, so a mismatch is never hidden by a cache hit.
    public override JsonNode? Inputs(PipelineContext context) => JsonNode.Parse(context.Spec.Spec.Model.NumLabels is null
        ? context.Spec.Subset("seed", "training", "model.hidden_dropout_prob", "model.attention_probs_dropout_prob", "model.classifier_dropout")
        : context.Spec.Subset("seed", "training", "model.hidden_dropout_prob", "model.attention_probs_dropout_prob", "model.classifier_dropout", "model.num_labels"));

    public static string WorkFolder(PipelineContext context, string key) => Path.Combine(context.ArtifactsDirectory, "work", "train", key);

    public override async Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var spec = context.Spec.Spec;
        var work = WorkFolder(context, output.Key);
        var modelFolder = upstream["model"].PathOf(ModelStage.ModelFolder);
        var labels = IngestStage.Labels(upstream["ingest"]);
        if (spec.Model.NumLabels is { } declared && declared != labels.Count)
            throw new InvalidDataException($"{context.Spec.SourcePath}: model.num_labels is {declared}, but the data has {labels.Count} labels " +
                $"({string.Join(", ", labels.Take(10))}{(labels.Count > 10 ? ", ..." : "")}); set model.num_labels to {labels.Count} or remove it (it follows the data).");

        using var checkpoint = HfModelFolder.Load(modelFolder);
        var config = checkpoint.Config with
        {
            Labels = labels,
            HiddenDropoutProb = spec.Model.HiddenDropoutProb ?? checkpoint.Config.HiddenDropoutProb,
            AttentionProbsDropoutProb = spec.Model.AttentionProbsDropoutProb ?? checkpoint.Config.AttentionProbsDropoutProb,
            ClassifierDropout = spec.Model.ClassifierDropout ?? checkpoint.Config.ClassifierDropout,
        };
        using var model = new BertForSequenceClassification(config);
        // A head trained for another label count cannot serve this data: it starts afresh from the seed, as transformers'
        // from_pretrained(ignore_mismatched_sizes=True) does, instead of failing on its shape.
        var weights = checkpoint.Config.NumLabels == labels.Count
            ? checkpoint.Weights
            : checkpoint.Weights.Where(p => !p.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var load = model.LoadWeights(weights, spec.Seed, checkpoint.WeightsPath);
        if (load.HeadInitialized) context.Log.WriteLine($"train     {load.Summary()}");

        using var train = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("train")));
        using var validation = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("validation")));
        var trainer = new Trainer(spec.Training, spec.Seed);
        context.TrainingObserver?.Started(trainer.TotalSteps(train.Count), null);
        var callbacks = new TrainingCallbacks
        {
            Step = p => context.TrainingObserver?.Step(p),
            Evaluation = e =>
            {
                context.Log.WriteLine($"train     {e.Describe()}");
                context.TrainingObserver?.Evaluation(e);
            },
            Logged = entry => context.TrainingObserver?.Logged(entry),
            Resumed = (folder, step) => context.Log.WriteLine($"train     resumed from checkpoint at step {step} ({folder})"),
        };
        // The exported folder tokenizes as training did: the lowercasing tokenize used and the spec's length, truncation and HTML rule.
        var lowercase = (bool?)upstream["tokenize"].Manifest.Summary["lowercase"] ?? checkpoint.DoLowerCase;
        var tokenizer = TokenizeStage.EncoderOptions(spec.Tokenizer, lowercase);
        var export = new ModelExport(checkpoint.VocabPath, lowercase, labels, spec.Tokenizer.MaxLength, tokenizer);

        // Training is synchronous tensor work: run it off the caller's thread so Ctrl-C handling stays responsive.
        var result = await Task.Run(() => trainer.Train(model, train, validation, work, export, callbacks, cancellationToken), cancellationToken);

        CopyDirectory(result.BestModelFolder, output.PathOf(ModelFolder));
        File.Copy(result.HistoryPath, output.PathOf(TrainingHistory.FileName));
        File.Copy(Path.Combine(work, ResultFileName), output.PathOf(ResultFileName));
        output.Summary["best_step"] = result.BestStep;
        output.Summary["last_step"] = result.LastStep;
        output.Summary["total_steps"] = result.TotalSteps;
        output.Summary["epochs"] = result.Epochs;
        output.Summary["stopped_early"] = result.StoppedEarly;
        output.Summary["train_seconds"] = Math.Round(result.Seconds, 1);
        output.Summary["validation"] = result.BestMetrics.ToJson();
        output.Summary["head_initialized"] = load.HeadInitialized;
    }

    /// <summary>Once the output is published, the checkpoints are no longer needed.</summary>
    public static void DeleteWork(PipelineContext context, string key)
    {
        var work = WorkFolder(context, key);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
    }

    public override string Describe(StageOutput output)
    {
        var s = output.Manifest.Summary;
        var validation = s["validation"]!;
        return $"best step {(int)s["best_step"]!}/{(int)s["total_steps"]!}: validation accuracy {(double)validation["accuracy"]!:0.0000}, " +
               $"f1 {(double)validation["f1"]!:0.0000}, loss {(double)validation["loss"]!:0.0000}";
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) => new Dictionary<string, string>
    {
        ["model"] = output.PathOf(ModelFolder),
        ["history"] = output.PathOf(TrainingHistory.FileName),
        ["result"] = output.PathOf(ResultFileName),
    };

    /// <summary>Copies a flat folder (a Hugging Face model folder) into <paramref name="destination"/>.</summary>
    internal static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
    }
}
