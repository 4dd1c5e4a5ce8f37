namespace ImdbExperiments.Stages;

/// <summary>Every stage of the pipeline, in data-flow order.</summary>
public static class PipelineStages
{
    public static IReadOnlyList<Stage> Create() => [new FetchStage(), new IngestStage(), new SplitStage(), new ModelStage(), new TokenizeStage(), new TrainStage(), new EvaluateStage()];
}
