using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Caching;

/// <summary>The run folder's tracking.lock is the stage cache's FileLock: a second run of the same folder waits for the first, or fails naming it.</summary>
public sealed class RunFolderLockTests
{
    static TrackingOptions Options(TempFolder temp, LockOptions? locks, Action<string>? onWait = null) => new()
    {
        TrackingUri = MlflowFileStore.ToFileUri(temp.Combine("mlruns")),
        ExperimentName = "imdb",
        GetEnvironmentVariable = _ => null,
        Warn = _ => { },
        FinalFlushTimeout = TimeSpan.FromSeconds(10),
        RunFolderLock = locks,
        OnRunFolderWait = onWait,
    };

    static RunStart Run(TempFolder temp) => new(temp.Combine("runs", "same")) { RunName = "same" };

    [Fact]
    public async Task SecondRunOfTheSameFolder_WaitsForTheFirst_ThenContinuesItsRun()
    {
        using var temp = new TempFolder();
        var first = RunTracker.StartOrResume(Run(temp), Options(temp, LockOptions.Default));
        var told = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var second = Task.Run(() => RunTracker.StartOrResume(Run(temp), Options(temp, LockOptions.Default, message => told.TrySetResult(message))));
        var message = await told.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(second.IsCompleted);
        var firstSummary = await first.EndAsync();
        await first.DisposeAsync();
        await using var resumed = await second.WaitAsync(TimeSpan.FromSeconds(30));
        var secondSummary = await resumed.EndAsync();

        Assert.Contains($"pid {Environment.ProcessId}", message);
        Assert.Contains(RunJournal.LockFileName, message);
        Assert.Equal(firstSummary.RunId, secondSummary.RunId);
    }

    [Fact]
    public async Task RunFolderHeldElsewhere_WithNoWait_FailsNamingTheHolder()
    {
        using var temp = new TempFolder();
        await using var first = RunTracker.StartOrResume(Run(temp), Options(temp, LockOptions.Default));

        var error = Assert.Throws<LockUnavailableException>(() => RunTracker.StartOrResume(Run(temp), Options(temp, new LockOptions { NoWait = true })));

        Assert.Contains(RunJournal.LockFileName, error.Message);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message);
    }

    [Fact]
    public void RunFolderLockPathThatIsADirectory_FailsNamingThePath()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(Path.Combine(Run(temp).RunFolder, RunJournal.LockFileName));

        var error = Assert.Throws<LockUnavailableException>(() => RunTracker.StartOrResume(Run(temp), Options(temp, LockOptions.Default)));

        Assert.Contains(Path.Combine(Run(temp).RunFolder, RunJournal.LockFileName), error.Message);
    }
}
