using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>split: the ids of train / validation / test (<c>train.ids</c>, <c>validation.ids</c>, <c>test.ids</c>), seeded, stratified or as <c>datasets</c> splits.</summary>
public sealed class SplitStage : Stage<SplitStage.SplitInputs, SplitStage.SplitSummary>
{
    /// <summary>What the split depends on beyond ingest's key.</summary>
    public sealed record SplitInputs(
        [property: FromSpec("seed")] int Seed,
        [property: FromSpec("data.validation_fraction")] double ValidationFraction,
        [property: FromSpec("data.stratify")] bool Stratify,
        [property: FromSpec("data.limit")] LimitSpec Limit,
        // The default method stays out of the key (null), so splits cached before split_method existed are still hits.
        [property: FromSpec("data.split_method", OmitNull = true)] Specs.SplitMethod? SplitMethod) : StageInputs
    {
        // data.split_method is read even when it is the default and left out of the key.
        protected override IEnumerable<string> DerivedFrom => ["data.split_method"];

        [JsonIgnore] public Specs.SplitMethod Method => SplitMethod ?? Specs.SplitMethod.Stratified;
    }

    /// <summary>One ids file in the summary: its count, per-class counts, and SHA-256.</summary>
    /// <param name="Negative">rows of class 0 (the first label)</param>
    /// <param name="Positive">rows of every other class: for two labels, class 1</param>
    /// <param name="Labels">rows per class, by label name as ingest recorded it (null in splits cached before it was recorded)</param>
    public sealed record SplitPart(int Count, int Negative, int Positive, string Sha256, IReadOnlyDictionary<string, int>? Labels = null);

    /// <summary>The split's manifest summary; <see cref="ReviewsSha256"/> is ingest's, so a run records its data hash from here.</summary>
    public sealed record SplitSummary(SplitPart Train, SplitPart Validation, SplitPart Test, string SplitHash, string? ReviewsSha256, string? Method, int? Seed);

    public override string Name => "split";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["ingest"];

    protected override SplitInputs Project(PipelineContext context)
    {
        var spec = context.Spec.Spec;
        return new(spec.Seed, spec.Data.ValidationFraction, spec.Data.Stratify, spec.Data.Limit,
            spec.Data.SplitMethod == Specs.SplitMethod.Stratified ? null : spec.Data.SplitMethod);
    }

    protected override Task BuildAsync(SplitInputs inputs, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var ingest = upstream["ingest"];
        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        cancellationToken.ThrowIfCancellationRequested();
        var split = DatasetSplitter.Split(reviews, new SplitOptions(
            inputs.Seed, inputs.ValidationFraction, inputs.Stratify,
            inputs.Limit.Train, inputs.Limit.Validation, inputs.Limit.Test, Method(inputs.Method)));
        foreach (var warning in SplitLabelCheck.MissingLabels(split))
        {
            services.Log.WriteLine($"split  warning: {warning}");
        }

        var files = SplitWriter.Write(split, output.OutputDirectory);
        var names = IngestStage.Labels(ingest);
        WriteSummary(output, new SplitSummary(
            Part(files.Train, split.Train, names), Part(files.Validation, split.Validation, names), Part(files.Test, split.Test, names),
            SplitHash(files), IngestStage.ReadSummary(ingest).ReviewsSha256,
            inputs.Method == Specs.SplitMethod.Datasets ? "datasets" : "stratified", inputs.Seed));
        return Task.CompletedTask;
    }

    public override string Describe(StageOutput output)
    {
        var s = ReadSummary(output);
        var text = $"train {s.Train.Count:N0} · validation {s.Validation.Count:N0} · test {s.Test.Count:N0}  split hash {StageKey.Short(s.SplitHash)}";
        return s.Train.Labels is { Count: > 0 } labels && labels.Count <= 10
            ? $"{text}  train by label {string.Join(" ", labels.Select(p => $"{p.Key} {p.Value:N0}"))}"
            : text;
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

    static SplitPart Part(SplitFile file, IReadOnlyList<Review> reviews, IReadOnlyList<string> names) =>
        new(file.Count, file.NegativeCount, file.PositiveCount, file.Sha256, SplitLabelCounts.ByName(reviews, names));
}
