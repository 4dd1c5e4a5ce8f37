using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;

namespace ImdbExperiments.Stages;

/// <summary>
/// A stage with typed joints: its spec inputs are one <typeparamref name="TInputs"/> projected from the spec once per run (its
/// JSON is the key, and the build gets the record, never the spec), and its summary is one <typeparamref name="TSummary"/>
/// that downstream stages read through <see cref="ReadSummary"/>.
/// </summary>
public abstract class Stage<TInputs, TSummary> : Stage where TInputs : StageInputs where TSummary : class
{
    /// <summary>The manifest's summary keys are snake_case, as they were when stages wrote them by hand.</summary>
    internal static readonly JsonSerializerOptions SummaryOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    readonly ConditionalWeakTable<PipelineContext, TInputs> projected = new();

    /// <summary>The one place this stage reads the resolved spec (and the environment).</summary>
    protected abstract TInputs Project(PipelineContext context);

    protected abstract Task BuildAsync(TInputs inputs, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken);

    public TInputs InputsOf(PipelineContext context) => projected.GetValue(context, Project);

    /// <summary>Drops this run's projection, so the next read projects again (after I/O that <see cref="Project"/> reads).</summary>
    protected void Reproject(PipelineContext context) => projected.Remove(context);

    public sealed override JsonNode? Inputs(PipelineContext context) => InputsOf(context).ToKeyJson();

    public sealed override IReadOnlyList<string> SpecKeys(PipelineContext context) => InputsOf(context).SpecKeys();

    public sealed override Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken) =>
        BuildAsync(InputsOf(context), new StageServices(context), output, upstream, cancellationToken);

    /// <summary>This stage's summary in a published output (fields an older cache lacks are null).</summary>
    public static TSummary ReadSummary(StageOutput output) =>
        output.Manifest.Summary.Deserialize<TSummary>(SummaryOptions) ?? throw new InvalidDataException($"{output.Directory}: the manifest has no summary.");

    /// <summary>Writes <paramref name="summary"/> into the manifest's summary, beside anything already there.</summary>
    protected static void WriteSummary(StageBuildContext output, TSummary summary)
    {
        foreach (var (name, value) in JsonSerializer.SerializeToNode(summary, SummaryOptions)!.AsObject())
            output.Summary[name] = value?.DeepClone();
    }
}
