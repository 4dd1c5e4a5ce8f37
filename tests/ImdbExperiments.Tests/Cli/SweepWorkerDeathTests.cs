using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

/// <summary>
/// <c>sweep --parallel 2</c> whose worker is killed mid-trial (SIGKILL, as kill -9 or the OOM killer: no cleanup), through
/// the test hook IMDBX_TEST_EXIT_AT; tracked in the default sqlite store, read with MLflow's schema.
/// </summary>
public sealed class SweepWorkerDeathTests
{
    // SweepCommandTests' tiny sweep with libtorch on every core, as a user's --parallel run would have it.
    static readonly string Sweep = SweepCommandTests.Sweep.Replace("  threads: 1\n", "", StringComparison.Ordinal);

    static (int ExitCode, string Stdout, string Stderr) Run(TempFolder project, IReadOnlyDictionary<string, string> environment) =>
        ImdbxProcess.Run(project.Path, environment, "sweep", "--experiment", "tiny-sweep", "--parallel", "2");

    static TempFolder Project()
    {
        var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), Sweep);
        return project;
    }

    [Fact]
    public void WorkerKilledMidTrial_AnotherWorkerRunsItsTrialOnce_InTheSameRun_WhoseDeadAttemptEndedFailed()
    {
        using var project = Project();

        var run = Run(project, new Dictionary<string, string> { [SweepTestHook.Variable] = "trial-001@2/once" });

        var output = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == 1, output); // a worker died: the user hears of it, though the sweep is whole
        var died = Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("imdbx: sweep worker w", StringComparison.Ordinal));
        Assert.Matches(@"^imdbx: sweep worker w[01] \(pid \d+\) died \(exit code 137\) while running trial-001; another worker ran it again$", died);
        Assert.DoesNotContain("   at ", output);
        var lines = run.Stdout.Split('\n');
        Assert.Single(lines, l => l.Contains("trial-000  completed  ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("trial-001  completed  ", StringComparison.Ordinal));

        // One MLflow run per trial: the attempt that ran it again resumed the dead attempt's run, which had been ended FAILED.
        var database = project.Combine("mlflow.db");
        Assert.Equal(["FINISHED", "FINISHED", "FINISHED"], SweepCommandTests.SqliteRows(database, "SELECT status FROM runs"));
        var trial = Assert.Single(SweepCommandTests.SqliteRows(database, "SELECT run_uuid FROM tags WHERE key = 'sweep/trial' AND value = 'trial-001'"));
        Assert.Contains("pid ", Assert.Single(SweepCommandTests.SqliteRows(database, $"SELECT value FROM tags WHERE key = 'sweep/worker_died' AND run_uuid = '{trial}'")));
        Assert.Empty(SweepCommandTests.SqliteRows(database, $"SELECT step FROM metrics WHERE run_uuid = '{trial}' GROUP BY key, step HAVING COUNT(*) > 1")); // no point twice
        var journal = File.ReadAllText(Assert.Single(Directory.GetFiles(project.Combine("artifacts", "runs"), "tracking.jsonl", SearchOption.AllDirectories),
            f => File.ReadAllText(f) is var text && text.Contains("sweep/trial_index", StringComparison.Ordinal) && text.Contains("\"trial-001\"", StringComparison.Ordinal)));
        Assert.Contains("\"FAILED\"", journal);
    }

    [Fact]
    public void WorkerCrashingOnATrial_ParentNamesTheTrialAndFails_TheOtherTrialFinishes_AndARerunCompletesIt()
    {
        using var project = Project();

        // Every attempt of trial-001 kills its worker (as a trial too large for memory would): the worker that takes it over
        // dies too, and the study leaves it for the next run instead of offering it to every worker in turn.
        var run = Run(project, new Dictionary<string, string> { [SweepTestHook.Variable] = "trial-001@2" });

        var output = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == 1, output);
        var died = run.Stderr.Split('\n').Where(l => l.StartsWith("imdbx: sweep worker w", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, died.Count);
        Assert.All(died, l => Assert.Matches(@"^imdbx: sweep worker w[01] \(pid \d+\) died \(exit code 137\) while running trial-001; run the sweep again to finish it$", l));
        Assert.DoesNotContain("   at ", output);
        Assert.Single(run.Stdout.Split('\n'), l => l.Contains("trial-000  completed  ", StringComparison.Ordinal));
        Assert.DoesNotContain("trial-001  completed", run.Stdout);

        var again = Run(project, new Dictionary<string, string>());

        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Single(again.Stdout.Split('\n'), l => l.Contains("trial-001  completed  ", StringComparison.Ordinal));
        Assert.DoesNotContain("trial-000  completed  ", again.Stdout); // finished before: not run again
        var database = project.Combine("mlflow.db");
        Assert.Equal(["FINISHED", "FINISHED", "FINISHED"], SweepCommandTests.SqliteRows(database, "SELECT status FROM runs"));
        Assert.Single(SweepCommandTests.SqliteRows(database, "SELECT run_uuid FROM tags WHERE key = 'sweep/trial' AND value = 'trial-001'"));
    }

    [Fact]
    public async Task WorkerHoldingTheParentKilledMidTrial_TheOtherWorkerRunsItsTrial_AndEndsTheParent()
    {
        using var project = Project();
        File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), SweepCommandTests.Sweep);

        // Two workers as `sweep plan --workers 2` starts them: the first takes the parent run and trial-000, and dies in it.
        using var first = ImdbxProcess.Start(project.Path, new Dictionary<string, string> { [SweepTestHook.Variable] = "trial-000@2/once" }, "sweep", "--experiment", "tiny-sweep", "--worker");
        first.StandardInput.Close();
        var firstErr = first.StandardError.ReadToEndAsync();
        var firstOut = new System.Text.StringBuilder();
        while (await first.StandardOutput.ReadLineAsync() is { } line)
        {
            firstOut.AppendLine(line);
            if (line.StartsWith("trial     trial-000", StringComparison.Ordinal))
                break; // it holds the parent and has claimed trial-000
        }

        using var second = ImdbxProcess.Start(project.Path, "sweep", "--experiment", "tiny-sweep", "--worker");
        second.StandardInput.Close();
        var secondOut = second.StandardOutput.ReadToEndAsync();
        var secondErr = second.StandardError.ReadToEndAsync();
        firstOut.Append(await first.StandardOutput.ReadToEndAsync());
        await first.WaitForExitAsync();
        await second.WaitForExitAsync();
        var text = $"{firstOut}{await firstErr}\n{await secondOut}{await secondErr}";

        Assert.True(first.ExitCode == 137, text);
        Assert.True(second.ExitCode == 0, text);
        Assert.Single((await secondOut).Split('\n'), l => l.Contains("trial-000  completed  ", StringComparison.Ordinal)); // taken over from the dead worker
        var database = project.Combine("mlflow.db");
        Assert.Equal(["FINISHED", "FINISHED", "FINISHED"], SweepCommandTests.SqliteRows(database, "SELECT status FROM runs")); // the parent too, ended by the live worker
        var parent = Assert.Single(SweepCommandTests.SqliteRows(database, "SELECT DISTINCT value FROM tags WHERE key = 'mlflow.parentRunId'"));
        Assert.Equal(2, SweepCommandTests.SqliteRows(database, $"SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId' AND value = '{parent}'").Count);
        Assert.Single(SweepCommandTests.SqliteRows(database, $"SELECT value FROM tags WHERE key = 'sweep/best_trial' AND run_uuid = '{parent}'"));
    }
}
