using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

/// <summary>Spec values that become folder names (the run folder artifacts/runs/&lt;run name&gt;, the Hub cache's snapshots/&lt;revision&gt;) are names, never paths.</summary>
public sealed class SpecNameTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("../../..")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("/tmp/elsewhere")]
    [InlineData("runs/../../x")]
    [InlineData("a\\\\b")]
    [InlineData(".hidden")]
    [InlineData("run\\n")]
    [InlineData("")]
    public void RunName_ThatIsNotAPlainName_IsRejectedAtLoad(string runName)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  run_name: \"{runName}\"\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("tracking.run_name", error.Key);
        Assert.Equal((4, 13), (error.Line, error.Column));
        Assert.Contains("a name of letters, digits, '.', '_' and '-', starting with a letter or digit", error.Message);
    }

    [Fact]
    public void RunName_FromSet_ThatEscapesTheArtifactsFolder_IsRejected()
    {
        folder.Write("x.yaml", SpecFolder.Minimal);

        var error = folder.LoadFails("x.yaml", "tracking.run_name=../../../home");

        Assert.Equal("--set tracking.run_name=../../../home", error.Errors[0].Override);
        Assert.StartsWith("--set tracking.run_name=../../../home: expected a name of letters", error.Message);
    }

    [Fact]
    public void RunName_LongerThanAFileName_IsRejected()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  run_name: {new string('r', 101)}\n");

        Assert.Equal("tracking.run_name", folder.LoadFails("x.yaml").Key);
    }

    [Theory]
    [InlineData("bert-base-uncased-sweep.v2_1")]
    [InlineData("0")]
    public void RunName_ThatIsAName_Loads(string runName)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  run_name: {runName}\n");

        Assert.Equal(runName, folder.Load("x.yaml").Spec.Tracking.RunName);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".config")]
    public void SpecName_ThatIsNotAPlainName_IsRejected(string name)
    {
        // The default run name is <name>-<hash>, and the name is the default MLflow experiment.
        folder.Write("x.yaml", SpecFolder.Minimal + $"name: \"{name}\"\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("name", error.Key);
        Assert.Contains("starting with a letter or digit", error.Message);
    }

    [Fact]
    public void Experiment_MayHoldSlashes_ButNotControlCharacters()
    {
        // MLflow experiment names are free text (Databricks uses /Users/me/exp); here they are never paths.
        folder.Write("ok.yaml", SpecFolder.Minimal + "tracking:\n  experiment: /Shared/imdb runs\n");
        folder.Write("bad.yaml", SpecFolder.Minimal + "tracking:\n  experiment: \"imdb\\u0000runs\"\n");

        Assert.Equal("/Shared/imdb runs", folder.Load("ok.yaml").Spec.Tracking.Experiment);
        var error = folder.LoadFails("bad.yaml");
        Assert.Equal("tracking.experiment", error.Key);
        Assert.Contains("without control characters", error.Message);
    }

    // huggingface_hub file_download.py: a revision goes into the URL quoted as one segment (quote(revision, safe="")),
    // into snapshots/<commit> via _get_pointer_path (which refuses a pointer outside snapshots/), and for a branch or tag
    // into refs/<revision> by _cache_commit_hash_for_specific_revision, creating parent folders: so "refs/pr/1" nests under
    // refs/ and "../x" would leave it. Revisions are git refs (git check-ref-format) or 40-hex commits (REGEX_COMMIT_HASH).
    [Theory]
    [InlineData("../../x")]
    [InlineData("..")]
    [InlineData("refs/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("refs//pr")]
    [InlineData("refs/pr/")]
    [InlineData("main\\\\x")]
    [InlineData("main\\tx")]
    [InlineData("main\\n")]
    [InlineData("a b")]
    [InlineData(".git")]
    [InlineData("refs/.hidden")]
    [InlineData("v1.lock")]
    [InlineData("c:/x")]
    public void Revision_ThatCouldLeaveTheHubCache_IsRejected(string revision)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"  revision: \"{revision}\"\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("model.revision", error.Key);
        Assert.Equal(3, error.Line);
        Assert.Contains("a branch, tag or 40-hex commit such as main, v1.0 or refs/pr/1", error.Message);
    }

    [Theory]
    [InlineData("main")]
    [InlineData("v1.0")]
    [InlineData("refs/pr/1")]
    [InlineData("release/2024-05")]
    [InlineData("86b5e0934494bd15c9632b12f734a8a67f723594")]
    public void Revision_ThatIsABranchTagOrCommit_Loads(string revision)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"  revision: {revision}\n");

        Assert.Equal(revision, folder.Load("x.yaml").Spec.Model.Revision);
    }

    [Fact]
    public void SweepWithOneRunName_ForEveryTrial_IsRejected()
    {
        // Each trial records into artifacts/runs/<run name>; one name would put every trial and the parent in one folder.
        folder.Write("x.yaml", SpecFolder.Minimal + "tracking:\n  run_name: mine\nsweep:\n  method: grid\n  metric: validation/accuracy\n" +
            "  parameters:\n    training.learning_rate: [1e-5, 2e-5]\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("tracking.run_name", error.Key);
        Assert.Contains("would share the run name 'mine' and so the run folder", error.Message);
    }

    [Fact]
    public void SweepListGivingEachTrialItsOwnRunName_Loads()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n  method: list\n  metric: validation/accuracy\n  list:\n" +
            "    - {tracking.run_name: first, training.learning_rate: 1e-5}\n    - {tracking.run_name: second, training.learning_rate: 2e-5}\n");

        Assert.Equal(2, folder.Load("x.yaml").Spec.Sweep!.List.Count);
    }

    [Fact]
    public void TagKeyThatIsAPath_IsRejectedWithMlflowsKeyRule()
    {
        // mlflow/utils/validation.py: a key is a file path in the file store and must not resolve to another name.
        folder.Write("x.yaml", SpecFolder.Minimal + "tracking:\n  tags:\n    ../../escape: x\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("tracking.tags.../../escape", error.Key);
        Assert.Contains("must not resolve to another name; '../../escape' resolves to '../../escape'", error.Message);
    }
}
