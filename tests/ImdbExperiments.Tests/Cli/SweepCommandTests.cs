using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

public sealed class SweepCommandTests
{
    /// <summary>The first column of every row <paramref name="sql"/> selects from the SQLite database at <paramref name="path"/>, as text.</summary>
    internal static List<string> SqliteRows(string path, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return rows;
    }

    internal const string Sweep = """
        name: tiny-sweep
        seed: 3
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 200
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 500
        tokenizer:
          max_length: 48
        training:
          epochs: 1
          batch_size: 32
          threads: 1
        sweep:
          method: grid
          parameters:
            training.learning_rate: [1.0e-3, 3.0e-3]
          metric: validation/f1
        """;

    [Fact]
    public void Sweep_RunsEachTrialAsAChildRun_SkipsFinishedTrialsWhenRestarted_AndFeedsCompareAndReport()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), Sweep);

        var first = ImdbxProcess.Run(project.Path, "sweep", "--experiment", "tiny-sweep");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("trial-000  completed", first.Stdout);
        Assert.Contains("trial-001  completed", first.Stdout);
        Assert.Single(first.Stdout.Split('\n'), line => line.StartsWith("tokenize  built"));

        var again = ImdbxProcess.Run(project.Path, "sweep", "--experiment", "tiny-sweep");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("trial-000  completed (finished before)", again.Stdout);
        Assert.Contains("trial-001  completed (finished before)", again.Stdout);
        Assert.DoesNotContain("train     built", again.Stdout);

        // With no tracking URI the runs are in ./mlflow.db (MLflow's default): each trial's mlflow.parentRunId tag names the one parent run.
        var database = project.Combine("mlflow.db");
        var runs = SqliteRows(database, "SELECT r.run_uuid FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id WHERE e.name = 'tiny-sweep'");
        var parents = SqliteRows(database, "SELECT DISTINCT value FROM tags WHERE key = 'mlflow.parentRunId'");
        Assert.Equal(3, runs.Count);
        var parent = Assert.Single(parents);
        Assert.Contains(parent, runs);
        Assert.Single(SqliteRows(database, $"SELECT value FROM latest_metrics WHERE run_uuid = '{parent}' AND key = 'validation/f1'"));  // the best trial's metric

        var compare = ImdbxProcess.Run(project.Path, "compare", "--experiment", "tiny-sweep");
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("trial-000", compare.Stdout);
        Assert.Contains("trial-001", compare.Stdout);

        var report = ImdbxProcess.Run(project.Path, "report", "--experiment", "tiny-sweep", "--output", "report.html");
        Assert.Equal(0, report.ExitCode);
        var html = File.ReadAllText(project.Combine("report.html"));
        Assert.Contains("trial-000", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("src=\"http", html);

        var plan = ImdbxProcess.Run(project.Path, "sweep", "plan", "--experiment", "tiny-sweep", "--set", "seed=4", "--style", "imdbx");
        var commands = plan.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, commands.Length);
        Assert.All(commands, c => Assert.Contains("--set sweep=null --set seed=4 --set training.learning_rate=", c));
    }

    [Fact]
    public void SweepParallel2_RunsTrialsInTwoWorkers_UnderOneParent_WithTheMetricsOfOneAtATime()
    {
        using var sequential = new TempFolder();
        using var parallel = new TempFolder();
        var threads = Math.Max(1, Environment.ProcessorCount / 2);
        foreach (var project in new[] { sequential, parallel })
        {
            Directory.CreateDirectory(project.Combine("experiments"));
            File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), Sweep.Replace("  threads: 1\n", "", StringComparison.Ordinal));
        }

        // One at a time with the thread count each parallel trial gets: the same trial specs, so the same cache keys and run names.
        var one = ImdbxProcess.Run(sequential.Path, "sweep", "--experiment", "tiny-sweep", "--set", $"training.threads={threads}");
        Assert.True(one.ExitCode == 0, one.Stdout + one.Stderr);
        var two = ImdbxProcess.Run(parallel.Path, "sweep", "--experiment", "tiny-sweep", "--parallel", "2");
        Assert.True(two.ExitCode == 0, two.Stdout + two.Stderr);

        var lines = two.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("[w0] ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[w1] ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("trial-000  completed", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("trial-001  completed", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("tokenize  built", StringComparison.Ordinal)); // the shared stage is built once, under its cache lock

        // Identical per-trial metrics: the sweep tables (trial, status, values, metric to the last digit) are the same bytes.
        string Table(TempFolder project) => File.ReadAllText(Assert.Single(Directory.GetFiles(project.Combine("artifacts", "runs"), "sweep_table.csv", SearchOption.AllDirectories)));
        Assert.Equal(Table(sequential), Table(parallel));

        var database = parallel.Combine("mlflow.db");
        var parent = Assert.Single(SqliteRows(database, "SELECT DISTINCT value FROM tags WHERE key = 'mlflow.parentRunId'"));
        Assert.Equal(2, SqliteRows(database, $"SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId' AND value = '{parent}'").Count);
        Assert.Equal(["FINISHED", "FINISHED", "FINISHED"], SqliteRows(database, "SELECT status FROM runs"));
        Assert.Equal([$"{threads}", $"{threads}", $"{threads}"], SqliteRows(database, "SELECT value FROM params WHERE key = 'training.threads'")); // parent and both trials

        var again = ImdbxProcess.Run(parallel.Path, "sweep", "--experiment", "tiny-sweep", "--parallel", "2");
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.DoesNotContain("[w", again.Stdout); // a finished sweep starts no worker
    }

    [Fact]
    public void TwoWorkersStartedTogether_ShareOneParent_AndRunEachTrialOnce()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), Sweep);

        // Started at the same moment, as `sweep plan --workers 2` users do: one takes the parent, the other may find its
        // folder locked before the parent's start is written, and must wait for it rather than fail.
        using var first = ImdbxProcess.Start(project.Path, "sweep", "--experiment", "tiny-sweep", "--worker");
        using var second = ImdbxProcess.Start(project.Path, "sweep", "--experiment", "tiny-sweep", "--worker");
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToArray();
        first.WaitForExit();
        second.WaitForExit();
        var text = string.Join("\n", outputs.Select(o => o.Out.Result + o.Err.Result));
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, text);

        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("train     built", StringComparison.Ordinal))); // each trial trained once, by one worker
        var database = project.Combine("mlflow.db");
        var parent = Assert.Single(SqliteRows(database, "SELECT DISTINCT value FROM tags WHERE key = 'mlflow.parentRunId'"));
        Assert.Equal(2, SqliteRows(database, $"SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId' AND value = '{parent}'").Count);
        Assert.Equal(["FINISHED", "FINISHED", "FINISHED"], SqliteRows(database, "SELECT status FROM runs"));
    }

    [Fact]
    public void SweepPlan_OfATpeSweep_PrintsWorkerCommandsOfTheSharedStudy()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "tiny-sweep.yaml"), Sweep.Replace("""
              method: grid
              parameters:
                training.learning_rate: [1.0e-3, 3.0e-3]
            """, """
              method: tpe
              trials: 4
              parameters:
                training.learning_rate: {distribution: log_uniform, min: 1.0e-4, max: 1.0e-2}
            """, StringComparison.Ordinal));

        var plan = ImdbxProcess.Run(project.Path, "sweep", "plan", "--experiment", "tiny-sweep", "--workers", "2", "--style", "imdbx", "--set", "seed=4");

        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Equal(["imdbx sweep --experiment experiments/tiny-sweep.yaml --set seed=4 --worker", "imdbx sweep --experiment experiments/tiny-sweep.yaml --set seed=4 --worker"],
            plan.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task SweepParallel_Sigint_StopsEveryWorker_AndRecordsTheRunningTrialsAndTheParentKilled()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        // The Ctrl-C test's spec (150 steps, a checkpoint every 10), so both trials are mid-training when the signal comes;
        // without its one thread, as --parallel 2 splits the cores.
        File.WriteAllText(project.Combine("experiments", "long-sweep.yaml"), ImdbxCancellationTests.Spec.Replace("  threads: 1\n", "", StringComparison.Ordinal) + """

            sweep:
              parameters:
                training.learning_rate: [1.0e-3, 3.0e-3]
              metric: validation/f1
            """);

        using var process = ImdbxProcess.Start(project.Path, "sweep", "--experiment", "long-sweep", "--parallel", "2");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var work = project.Combine("artifacts", "work", "train");
        while (!(Directory.Exists(work) && Directory.GetDirectories(work).Count(key => Directory.GetDirectories(key, "step-*", SearchOption.AllDirectories).Length > 0) == 2))
        {
            if (process.HasExited) Assert.Fail($"imdbx exited ({process.ExitCode}) before both trials checkpointed\n{await stdout}\n{await stderr}");
            await Task.Delay(20);
        }

        // Only the sweep's own process gets the signal (kill, not a terminal's process group): it must stop its workers itself.
        using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            kill.WaitForExit();
        await process.WaitForExitAsync();
        var (output, errors) = (await stdout, await stderr);

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{errors}");
        Assert.Contains(errors.Split('\n'), line => line.StartsWith("imdbx: cancelled (SIGINT", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", errors + output);
        // KILLED is status 5 in MLflow's file store (RunStatus in mlflow/protos/service.proto): the parent and both trials.
        var metas = Directory.GetFiles(project.Combine("mlruns"), "meta.yaml", SearchOption.AllDirectories).Where(m => File.ReadAllText(m).Contains("run_id:")).ToList();
        Assert.Equal(3, metas.Count);
        Assert.All(metas, meta => Assert.Contains("status: 5", File.ReadAllText(meta)));
        // No trial is left half-claimed: each claim was released, naming nobody, so no live worker of a later sweep takes the
        // stopped trials for a dead worker's (SweepStudy), and the study recorded neither as finished.
        var claims = Directory.GetFiles(project.Combine("artifacts", "runs"), "trial-*.lock", SearchOption.AllDirectories);
        Assert.Equal(2, claims.Length);
        Assert.All(claims, claim => Assert.Equal(0, new FileInfo(claim).Length));
        Assert.All(Directory.GetFiles(project.Combine("artifacts", "runs"), "study.json", SearchOption.AllDirectories),
            study => Assert.DoesNotContain("\"status\"", File.ReadAllText(study)));
    }
}
