using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using TorchSharp;

namespace ImdbExperiments.Stages;

/// <summary>evaluate: the trained model on the test split: <c>metrics.json</c> and <c>predictions.csv</c> (id, label, predicted, probability).</summary>
public sealed class EvaluateStage : Stage<EvaluateStage.EvaluateInputs, EvaluateStage.EvaluateSummary>
{
    /// <summary>How the test split is scored; the seed only fills a missing head, which train's key (seed included) already covers.</summary>
    public sealed record EvaluateInputs(
        [property: FromSpec("training.eval_batch_size")] int EvalBatchSize,
        [property: FromSpec("training.device")] TrainingDevice Device,
        [property: FromSpec("training.precision")] TrainingPrecision Precision,
        [property: FromSpec("training.threads")] int? Threads,
        [property: JsonIgnore] int Seed) : StageInputs;

    /// <summary>The test metrics (as <c>metrics.json</c> spells them) and the precision they were computed in.</summary>
    public sealed record EvaluateSummary(JsonObject Test, string? Precision);

    public override string Name => "evaluate";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["train", "tokenize"];

    protected override EvaluateInputs Project(PipelineContext context)
    {
        var training = context.Spec.Spec.Training;
        return new(training.EvalBatchSize, training.Device, training.Precision, training.Threads, context.Spec.Spec.Seed);
    }

    protected override async Task BuildAsync(EvaluateInputs training, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        using var checkpoint = HfModelFolder.Load(upstream["train"].PathOf(TrainStage.ModelFolder));
        var (model, _) = BertForSequenceClassification.FromPretrained(checkpoint, training.Seed);
        using (model)
        {
            TrainingDevices.ApplyThreads(training.Threads);
            model.to(TrainingDevices.Resolve(training.Device));
            if (training.Precision == TrainingPrecision.Bf16) model.to(torch.ScalarType.BFloat16);

            using var test = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("test")));
            using var bar = services.Progress.Start("evaluate", test.Count, "reviews");
            var result = await Task.Run(() => Evaluator.Evaluate(model, test, training.EvalBatchSize, progress: new Progress<int>(n => bar.Report(n)), cancellationToken: cancellationToken), cancellationToken);
            await result.WritePredictionsCsvAsync(output.PathOf(EvaluationResult.PredictionsFileName), cancellationToken);
            await result.WriteMetricsJsonAsync(output.PathOf(EvaluationResult.MetricsFileName), cancellationToken);
            output.Summary["test"] = result.Metrics.ToJson();
            // The precision the test predictions were computed in (training.precision), so that a bf16 evaluation is never mistaken for fp32.
            output.Summary["precision"] = training.Precision == TrainingPrecision.Bf16 ? "bf16" : "fp32";
        }
    }

    public override string Describe(StageOutput output)
    {
        var test = output.Manifest.Summary["test"]!;
        return $"test accuracy {(double)test["accuracy"]!:0.0000}, precision {(double)test["precision"]!:0.0000}, " +
               $"recall {(double)test["recall"]!:0.0000}, f1 {(double)test["f1"]!:0.0000} ({(long)test["count"]!:N0} reviews" +
               (output.Manifest.Summary["precision"] is { } precision ? $", {(string)precision!})" : ")");
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) => new Dictionary<string, string>
    {
        ["metrics"] = output.PathOf(EvaluationResult.MetricsFileName),
        ["predictions"] = output.PathOf(EvaluationResult.PredictionsFileName),
    };
}
