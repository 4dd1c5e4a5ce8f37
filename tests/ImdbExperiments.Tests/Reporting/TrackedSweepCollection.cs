namespace ImdbExperiments.Tests.Reporting;

/// <summary>The tests that share one <see cref="TrackedSweepStore"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TrackedSweepCollection : ICollectionFixture<TrackedSweepStore>
{
    public const string Name = "tracked sweep";
}
