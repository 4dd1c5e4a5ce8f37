using System.Diagnostics;
using System.Text.Json.Nodes;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

/// <summary>Ctrl-C on the real program: SIGINT sent to a running imdbx, as a terminal sends it.</summary>
public sealed class ImdbxCancellationTests
{
    // Long enough (140 steps after the first checkpoint) that the signal lands mid-training; small enough to take seconds.
    internal const string Spec = """
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 150
        model:
          init: random
          random:
            hidden_size: 64
            num_hidden_layers: 2
            num_attention_heads: 2
            intermediate_size: 128
            max_position_embeddings: 64
        tokenizer:
          max_length: 64
        training:
          max_steps: 150
          batch_size: 8
          eval_every: 50
          checkpoint_every: 10
          threads: 1
        tracking:
          uri: file:./mlruns
        """;

    static TempFolder Project()
    {
        var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"), Spec);
        return project;
    }

    [Fact]
    public async Task Sigint_MidTraining_FinishesTheStep_RecordsKilled_CleansUp_AndTheRerunResumesToTheSameMetrics()
    {
        using var project = Project();
        using (var process = ImdbxProcess.Start(project.Path, "train", "--experiment", "x"))
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await WaitForFirstCheckpointAsync(project, process);
            Signal(process, "INT");
            await process.WaitForExitAsync();
            var (output, errors) = (await stdout, await stderr);

            Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{errors}");
            var cancelled = Assert.Single(errors.Split('\n'), line => line.StartsWith("imdbx: cancelled (", StringComparison.Ordinal));
            Assert.Contains("SIGINT", cancelled);
            Assert.Contains("checkpoint kept", cancelled);
            Assert.DoesNotContain("   at ", errors);
        }

        var meta = Directory.GetFiles(project.Combine("mlruns"), "meta.yaml", SearchOption.AllDirectories).Single(m => File.ReadAllText(m).Contains("run_id:"));
        Assert.Contains("status: 5", File.ReadAllText(meta));  // KILLED in MLflow's file store (RunStatus in mlflow/protos/service.proto)
        Assert.Empty(Directory.GetDirectories(project.Combine("artifacts", "cache"), ".tmp-*", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetDirectories(project.Combine("artifacts", "work", "train"), "step-*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetDirectories(project.Combine("artifacts", "cache", "train")), d => !Path.GetFileName(d).StartsWith('.'));

        var resumed = ImdbxProcess.Run(project.Path, "train", "--experiment", "x");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resumed from checkpoint at step", resumed.Stdout);

        using var uninterrupted = Project();
        var straight = ImdbxProcess.Run(uninterrupted.Path, "train", "--experiment", "x");
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        Assert.Equal(Validation(uninterrupted), Validation(project));
    }

    /// <summary>The first resumable checkpoint exists, so training is under way with most of its steps to go.</summary>
    internal static async Task WaitForFirstCheckpointAsync(TempFolder project, Process process)
    {
        var work = project.Combine("artifacts", "work", "train");
        while (!(Directory.Exists(work) && Directory.GetDirectories(work, "step-*", SearchOption.AllDirectories).Length > 0))
        {
            if (process.HasExited) Assert.Fail($"imdbx exited ({process.ExitCode}) before its first checkpoint");
            await Task.Delay(20);
        }
    }

    internal static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    static string Validation(TempFolder project)
    {
        var metrics = Directory.GetFiles(project.Combine("artifacts", "runs"), "metrics.json", SearchOption.AllDirectories).Single();
        return JsonNode.Parse(File.ReadAllText(metrics))!["validation"]!.ToJsonString();
    }
}
