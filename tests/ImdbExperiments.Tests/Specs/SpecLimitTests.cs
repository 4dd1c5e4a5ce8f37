using System.Text;
using ImdbExperiments.Specs;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Specs;

/// <summary>Loading a spec is bounded: a hostile file or --set value fails with the limit it hit instead of exhausting memory or the stack.</summary>
public sealed class SpecLimitTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>"Billion laughs": each level is nine aliases of the one before, 9^9 nodes once expanded.</summary>
    private static string AliasBomb(string indent = "")
    {
        var text = new StringBuilder($"{indent}a0: &a0 [lol]\n");
        for (var i = 1; i <= 9; i++)
        {
            text.Append(indent).Append($"a{i}: &a{i} [").Append(string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))).Append("]\n");
        }

        return text.ToString();
    }

    [Fact]
    public void AliasBomb_FailsNamingTheFileAndTheNodeLimit()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "tracking:\n  tags:\n" + AliasBomb("    "));

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(Path.Combine(folder.Root, "x.yaml"), error.File);
        Assert.True(error.Line > 0);
        Assert.Contains("aliases expand the spec file to more than 100,000 nodes", error.Message);
        Assert.StartsWith("x.yaml:", error.Message);
    }

    [Fact]
    public void AliasesThatStayUnderTheLimit_StillLoad()
    {
        folder.Write("x.yaml", "model:\n  name: &model bert-base-uncased\ntracking:\n  tags:\n    base_model: *model\n");

        Assert.Equal("bert-base-uncased", folder.Load("x.yaml").Spec.Tracking.Tags["base_model"]);
    }

    [Fact]
    public void DeepNesting_FailsNamingTheDepthLimit()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "description: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Contains("nests mappings and lists deeper than 64 levels", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void AliasOfADeepNode_CountsTheDepthItIsExpandedTo()
    {
        var deep = new string('[', 62) + new string(']', 62);
        folder.Write("x.yaml", $"description: &deep {deep}\ntracking:\n  tags:\n    x: [*deep ]\n" + SpecFolder.Minimal);

        var error = folder.LoadFails("x.yaml");

        Assert.Contains("the alias *deep nests the spec file deeper than 64 levels", error.Message);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void FileLargerThanTheLimit_IsRefusedNamingTheLimit()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "# " + new string('x', SpecLimits.MaxFileBytes) + "\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(Path.Combine(folder.Root, "x.yaml"), error.File);
        Assert.Contains($"a spec file may have at most {SpecLimits.MaxFileBytes} bytes", error.Message);
    }

    [Fact]
    public void ExtendedFileLargerThanTheLimit_IsReportedAtTheExtendsKey()
    {
        folder.Write("base.yaml", "# " + new string('x', SpecLimits.MaxFileBytes) + "\n");
        folder.Write("x.yaml", "extends: base.yaml\n" + SpecFolder.Minimal);

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(("extends", 1), (error.Key, error.Line));
        Assert.Contains("base.yaml is", error.Message);
    }

    [UnixFact]
    public void DeviceThatNeverEnds_IsRefusedAsNotARegularFile()
    {
        // /dev/zero reports size 0 and reads forever; before the bound, even `imdbx show` ran out of memory on it.
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load("/dev/zero", [], folder.Root));

        Assert.Equal("/dev/zero", error.File);
        Assert.Contains("/dev/zero is a character device, not a regular file", error.Message);
    }

    [UnixFact]
    public void FifoNamedByExtends_IsRefusedBeforeItIsOpened()
    {
        // Opening a FIFO blocks until a writer comes: the load would hang instead of failing.
        var fifo = Path.Combine(folder.Root, "pipe.yaml");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        folder.Write("child.yaml", "extends: pipe.yaml\n");

        var error = folder.LoadFails("child.yaml");

        Assert.Equal("extends", error.Key);
        Assert.Contains("is a FIFO (named pipe), not a regular file", error.Message);
    }

    [Fact]
    public void ExtendsChainLongerThanTheLimit_FailsNamingTheLimit()
    {
        folder.Write("s0.yaml", SpecFolder.Minimal);
        for (var i = 1; i <= SpecLimits.MaxExtendsChain; i++)
        {
            folder.Write($"s{i}.yaml", $"extends: s{i - 1}.yaml\n");
        }

        var error = folder.LoadFails($"s{SpecLimits.MaxExtendsChain}.yaml");

        Assert.Equal("extends", error.Key);
        Assert.Contains($"the extends chain is longer than {SpecLimits.MaxExtendsChain} files", error.Message);
        Assert.Equal("s0.yaml", error.Value);
        Assert.Equal("bert-base-uncased", folder.Load($"s{SpecLimits.MaxExtendsChain - 1}.yaml").Spec.Model.Name);
    }

    [Fact]
    public void SetValueThatIsAnAliasBomb_FailsNamingTheOverride()
    {
        folder.Write("x.yaml", SpecFolder.Minimal);
        var bomb = "{" + AliasBomb().TrimEnd('\n').Replace("\n", ", ", StringComparison.Ordinal) + "}";

        var error = folder.LoadFails("x.yaml", $"tracking.tags={bomb}");

        Assert.Equal("tracking.tags", error.Key);
        Assert.StartsWith("--set tracking.tags=", error.Errors[0].Override);
        Assert.Contains("aliases expand the value to more than 100,000 nodes", error.Message);
    }

    [Fact]
    public void SetValueLongerThanTheLimit_IsRefused()
    {
        folder.Write("x.yaml", SpecFolder.Minimal);

        var error = folder.LoadFails("x.yaml", "description=" + new string('d', SpecLimits.MaxOverrideLength));

        Assert.Equal("description", error.Key);
        Assert.Contains($"at most {SpecLimits.MaxOverrideLength} are allowed", error.Message);
    }
}
