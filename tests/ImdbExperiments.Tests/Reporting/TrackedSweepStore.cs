using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Reporting;

/// <summary>One <see cref="TrackedSweep"/> in a file store, tracked once for every test of the collection (tracking takes about a second).</summary>
public sealed class TrackedSweepStore : IAsyncLifetime
{
    private readonly TempFolder _temp = new();

    public string Root => _temp.Path;

    public string MlrunsFolder => _temp.Combine("mlruns");

    public SweepSummary Summary { get; private set; } = null!;

    public async Task InitializeAsync() => Summary = await TrackedSweep.TrackAsync(_temp.Path, MlflowFileStore.ToFileUri(MlrunsFolder));

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
