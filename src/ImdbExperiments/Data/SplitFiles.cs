namespace ImdbExperiments.Data;

/// <summary>The three ids files <see cref="SplitWriter"/> wrote.</summary>
public sealed record SplitFiles(SplitFile Train, SplitFile Validation, SplitFile Test)
{
    public const string TrainFileName = "train.ids";
    public const string ValidationFileName = "validation.ids";
    public const string TestFileName = "test.ids";
}
