using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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
public sealed class TrainStage : Stage<TrainStage.TrainInputs, TrainStage.TrainSummary>
{
    /// <summary>
    /// What training depends on beyond model, tokenize and ingest. The tokenizer section is exported into the model folder but
    /// is not a key input here: tokenize's key, which this key includes, already covers it.
    /// </summary>
    public sealed record TrainInputs(
        [property: FromSpec("seed")] int Seed,
        [property: FromSpec("training")] TrainingSpec Training,
        [property: FromSpec("model.hidden_dropout_prob")] double? HiddenDropoutProb,
        [property: FromSpec("model.attention_probs_dropout_prob")] double? AttentionProbsDropoutProb,
        [property: FromSpec("model.classifier_dropout")] double? ClassifierDropout,
        // model.num_labels only checks the data's count: in the key only when set, so a mismatch is never hidden by a cache hit.
        [property: FromSpec("model.num_labels", OmitNull = true)] int? NumLabels,
        [property: JsonIgnore] TokenizerSpec Tokenizer) : StageInputs
    {
        protected override IEnumerable<string> DerivedFrom => ["model.num_labels"];
    }

    /// <summary>The best and last steps and the best checkpoint's validation metrics.</summary>
    public sealed record TrainSummary(int BestStep, int LastStep, int TotalSteps, JsonObject Validation, bool? HeadInitialized);

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

    protected override TrainInputs Project(PipelineContext context)
    {
        var spec = context.Spec.Spec;
        return new(spec.Seed, spec.Training, spec.Model.HiddenDropoutProb, spec.Model.AttentionProbsDropoutProb, spec.Model.ClassifierDropout,
            spec.Model.NumLabels, spec.Tokenizer);
    }

    public static string WorkFolder(PipelineContext context, string key) => WorkFolder(context.ArtifactsDirectory, key);

    static string WorkFolder(string artifactsDirectory, string key) => Path.Combine(artifactsDirectory, "work", "train", key);

    protected override async Task BuildAsync(TrainInputs spec, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var work = WorkFolder(services.ArtifactsDirectory, output.Key);
        var modelFolder = upstream["model"].PathOf(ModelStage.ModelFolder);
        var labels = IngestStage.Labels(upstream["ingest"]);
        if (spec.NumLabels is { } declared && declared != labels.Count)
            throw new InvalidDataException($"{services.SpecFile}: model.num_labels is {declared}, but the data has {labels.Count} labels " +
                $"({string.Join(", ", labels.Take(10))}{(labels.Count > 10 ? ", ..." : "")}); set model.num_labels to {labels.Count} or remove it (it follows the data).");

        using var checkpoint = HfModelFolder.Load(modelFolder);
        var config = checkpoint.Config with
        {
            Labels = labels,
            HiddenDropoutProb = spec.HiddenDropoutProb ?? checkpoint.Config.HiddenDropoutProb,
            AttentionProbsDropoutProb = spec.AttentionProbsDropoutProb ?? checkpoint.Config.AttentionProbsDropoutProb,
            ClassifierDropout = spec.ClassifierDropout ?? checkpoint.Config.ClassifierDropout,
        };
        using var model = new BertForSequenceClassification(config);
        // A head trained for another label count cannot serve this data: it starts afresh from the seed, as transformers'
        // from_pretrained(ignore_mismatched_sizes=True) does, instead of failing on its shape.
        var weights = checkpoint.Config.NumLabels == labels.Count
            ? checkpoint.Weights
            : checkpoint.Weights.Where(p => !p.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var load = model.LoadWeights(weights, spec.Seed, checkpoint.WeightsPath);
        if (load.HeadInitialized) services.Log.WriteLine($"train     {load.Summary()}");

        using var train = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("train")));
        using var validation = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("validation")));
        var trainer = new Trainer(spec.Training, spec.Seed);
        services.TrainingObserver?.Started(trainer.TotalSteps(train.Count), null);
        var callbacks = new TrainingCallbacks
        {
            Step = p => services.TrainingObserver?.Step(p),
            Evaluation = e =>
            {
                services.Log.WriteLine($"train     {e.Describe()}");
                services.TrainingObserver?.Evaluation(e);
            },
            Logged = entry => services.TrainingObserver?.Logged(entry),
            Resumed = (folder, step) => services.Log.WriteLine($"train     resumed from checkpoint at step {step} ({folder})"),
        };
        // The exported folder tokenizes as training did: the lowercasing tokenize used and the spec's length, truncation and HTML rule.
        var lowercase = TokenizeStage.ReadSummary(upstream["tokenize"]).Lowercase ?? checkpoint.DoLowerCase;
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
        var s = ReadSummary(output);
        var validation = s.Validation;
        return $"best step {s.BestStep}/{s.TotalSteps}: validation accuracy {(double)validation["accuracy"]!:0.0000}, " +
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
