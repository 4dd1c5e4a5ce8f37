using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using TorchSharp;

namespace ImdbExperiments.Stages;

/// <summary>evaluate: the trained model on the test split: <c>metrics.json</c> and <c>predictions.csv</c> (id, label, predicted, probability).</summary>
public sealed class EvaluateStage : Stage
{
    public override string Name => "evaluate";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["train", "tokenize"];

    public override JsonNode? Inputs(PipelineContext context) =>
        JsonNode.Parse(context.Spec.Subset("training.eval_batch_size", "training.device", "training.precision", "training.threads"));

    public override async Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var training = context.Spec.Spec.Training;
        using var checkpoint = HfModelFolder.Load(upstream["train"].PathOf(TrainStage.ModelFolder));
        var (model, _) = BertForSequenceClassification.FromPretrained(checkpoint, context.Spec.Spec.Seed);
        using (model)
        {
            TrainingDevices.ApplyThreads(training.Threads);
            model.to(TrainingDevices.Resolve(training.Device));
            if (training.Precision == TrainingPrecision.Bf16) model.to(torch.ScalarType.BFloat16);

            using var test = TokenFile.Open(upstream["tokenize"].PathOf(TokenizeStage.FileName("test")));
            using var bar = context.Progress.Start("evaluate", test.Count, "reviews");
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
