using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;

namespace ImdbExperiments.Stages;

/// <summary>split: the ids of train / validation / test (<c>train.ids</c>, <c>validation.ids</c>, <c>test.ids</c>), seeded, stratified or as <c>datasets</c> splits.</summary>
public sealed class SplitStage : Stage
{
    public override string Name => "split";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["ingest"];

    // The default method stays out of the key, so splits cached before split_method existed are still hits.
    public override JsonNode? Inputs(PipelineContext context) => JsonNode.Parse(
        context.Spec.Spec.Data.SplitMethod == Specs.SplitMethod.Stratified
            ? context.Spec.Subset("seed", "data.validation_fraction", "data.stratify", "data.limit")
            : context.Spec.Subset("seed", "data.validation_fraction", "data.stratify", "data.limit", "data.split_method"));

    public override Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var spec = context.Spec.Spec;
        var reviews = ReviewFile.Read(upstream["ingest"].PathOf(IngestStage.ReviewsFileName));
        cancellationToken.ThrowIfCancellationRequested();
        var split = DatasetSplitter.Split(reviews, new SplitOptions(
            spec.Seed, spec.Data.ValidationFraction, spec.Data.Stratify,
            spec.Data.Limit.Train, spec.Data.Limit.Validation, spec.Data.Limit.Test, Method(spec.Data.SplitMethod)));
        foreach (var warning in SplitLabelCheck.MissingLabels(split))
        {
            context.Log.WriteLine($"split  warning: {warning}");
        }

        var files = SplitWriter.Write(split, output.OutputDirectory);

        var summary = output.Summary;
        summary["train"] = Counts(files.Train);
        summary["validation"] = Counts(files.Validation);
        summary["test"] = Counts(files.Test);
        summary["split_hash"] = SplitHash(files);
        summary["reviews_sha256"] = upstream["ingest"].Manifest.Summary["reviews_sha256"]?.DeepClone();
        summary["method"] = spec.Data.SplitMethod == Specs.SplitMethod.Datasets ? "datasets" : "stratified";
        summary["seed"] = spec.Seed;
        return Task.CompletedTask;
    }

    public override string Describe(StageOutput output)
    {
        var s = output.Manifest.Summary;
        return $"train {(int)s["train"]!["count"]!:N0} · validation {(int)s["validation"]!["count"]!:N0} · test {(int)s["test"]!["count"]!:N0}" +
               $"  split hash {StageKey.Short((string)s["split_hash"]!)}";
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) => new Dictionary<string, string>
    {
        ["train"] = output.PathOf(SplitFiles.TrainFileName),
        ["validation"] = output.PathOf(SplitFiles.ValidationFileName),
        ["test"] = output.PathOf(SplitFiles.TestFileName),
    };

    static Data.SplitMethod Method(Specs.SplitMethod method) => method switch
    {
        Specs.SplitMethod.Datasets => Data.SplitMethod.Datasets,
        _ => Data.SplitMethod.Stratified,
    };

    /// <summary>One hash for the whole split: over the three files' names and SHA-256s.</summary>
    static string SplitHash(SplitFiles files) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"train {files.Train.Sha256}\nvalidation {files.Validation.Sha256}\ntest {files.Test.Sha256}\n")));

    static JsonObject Counts(SplitFile file) => new()
    {
        ["count"] = file.Count,
        ["negative"] = file.NegativeCount,
        ["positive"] = file.PositiveCount,
        ["sha256"] = file.Sha256,
    };
}
