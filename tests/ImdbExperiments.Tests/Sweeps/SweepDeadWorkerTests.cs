using System.Text.Json;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Sweeps;

/// <summary>
/// A worker of a shared study that dies holding a trial's claim: the OS drops its lock, but the holder it wrote stays in the
/// lock file (a live worker clears it when it releases). Simulated here without a process: a handle that holds the claim
/// with a holder written, then closes without clearing it, is exactly what a killed process leaves.
/// </summary>
public sealed class SweepDeadWorkerTests : IDisposable
{
    private readonly SpecFolder specs = new();
    private readonly TempFolder runs = new();

    public void Dispose()
    {
        specs.Dispose();
        runs.Dispose();
    }

    private ResolvedSpec Grid()
    {
        specs.Write("sweep.yaml", SpecFolder.Minimal + """
            sweep:
              method: grid
              parameters:
                training.learning_rate: [1.0e-5, 2.0e-5, 3.0e-5]
            """ + "\n");
        return specs.Load("sweep.yaml");
    }

    private static readonly LockHolder Dead = new() { Pid = 424242, Host = Environment.MachineName, Command = "imdbx sweep --experiment sweep.yaml", SinceUtc = DateTimeOffset.UnixEpoch };

    /// <summary>Holds trial <paramref name="index"/>'s claim as another worker would, its holder written into the lock file.</summary>
    private static FileStream HoldClaim(string folder, int index)
    {
        var path = Path.Combine(folder, "study.lock", $"trial-{index}.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        stream.Write(Dead.ToUtf8());
        stream.Flush();
        return stream;
    }

    private static TrialResult Result(SweepTrial trial) => new() { Metrics = new Dictionary<string, double> { ["validation/f1"] = 0.5 + trial.Index / 10.0 } };

    [Fact]
    public async Task TrialOfAWorkerThatDied_IsRunByALiveWorker_WithinTheSameSweep_ExactlyOnce()
    {
        var sweep = Grid();
        var folder = runs.Combine("sweep");
        var other = HoldClaim(folder, 0); // another worker runs trial 0
        var study = SweepStudy.Open(folder, sweep);
        study.PollInterval = TimeSpan.FromMilliseconds(10);
        var ran = new List<int>();

        await new SweepRunner(sweep.Spec.Sweep!) { Study = study }.RunAsync(study.Trials(), (trial, _) =>
        {
            ran.Add(trial.Index);
            if (trial.Index == 2)
            {
                other.Dispose(); // the other worker is killed while this one runs its last trial
            }

            return Task.FromResult(Result(trial));
        });

        Assert.Equal([1, 2, 0], ran); // trial 0 ran here, after the claims of this worker's own turn, and once
        Assert.True(SweepStudy.Open(folder, sweep).IsComplete());
        Assert.Equal(Dead, study.DeadWorkerOf(SweepPlanner.Plan(sweep)[0])); // the study keeps who died, for the trial's run and the report
        Assert.Equal(0, new FileInfo(Path.Combine(folder, "study.lock", "trial-0.lock")).Length); // released again, naming nobody
    }

    [Fact]
    public async Task TrialReleasedByALiveWorker_IsNotRunAgainWithinTheSweep_ButTheNextRunTakesIt()
    {
        var sweep = Grid();
        var folder = runs.Combine("sweep");
        var other = HoldClaim(folder, 0);
        var study = SweepStudy.Open(folder, sweep);
        study.PollInterval = TimeSpan.FromMilliseconds(10);
        var ran = new List<int>();

        await new SweepRunner(sweep.Spec.Sweep!) { Study = study }.RunAsync(study.Trials(), (trial, _) =>
        {
            ran.Add(trial.Index);
            if (trial.Index == 2)
            {
                other.SetLength(0); // the other worker's trial failed: it releases its claim as FileLock does, clearing its name
                other.Dispose();
            }

            return Task.FromResult(Result(trial));
        });

        Assert.Equal([1, 2], ran); // a failed trial runs again in the next sweep, not in a loop of this one
        Assert.Null(study.DeadWorkerOf(SweepPlanner.Plan(sweep)[0]));
        Assert.Equal(0, SweepStudy.Open(folder, sweep).Trials().First().Index);
    }

    [Fact]
    public async Task TrialWhoseWorkersDiedTwice_IsLeftForTheNextRun_InsteadOfKillingEveryWorker()
    {
        var sweep = Grid();
        var folder = runs.Combine("sweep");
        var plan = SweepPlanner.Plan(sweep);
        // The study as a worker that ran trial 0 again after its first worker died leaves it (the format SweepStudy writes).
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, SweepStudy.FileName), JsonSerializer.Serialize(new
        {
            format = 1,
            sweep_hash = sweep.Hash,
            method = "grid",
            trials = new[] { new { index = 0, overrides = plan[0].Overrides, point = new Dictionary<string, double>(), result = (object?)null, dead_workers = new[] { Dead } } },
        }));
        var other = HoldClaim(folder, 0); // the worker that took it over, which dies too
        var study = SweepStudy.Open(folder, sweep);
        study.PollInterval = TimeSpan.FromMilliseconds(10);
        var ran = new List<int>();

        await new SweepRunner(sweep.Spec.Sweep!) { Study = study }.RunAsync(study.Trials(), (trial, _) =>
        {
            ran.Add(trial.Index);
            if (trial.Index == 2)
            {
                other.Dispose();
            }

            return Task.FromResult(Result(trial));
        });

        Assert.Equal([1, 2], ran);
        Assert.Equal(SweepStudy.MaxDeadWorkers, JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SweepStudy.FileName))).RootElement.GetProperty("trials")[0].GetProperty("dead_workers").GetArrayLength());
        Assert.Equal(0, SweepStudy.Open(folder, sweep).Trials().First().Index); // a new sweep run is the user's retry: it takes it
    }
}
