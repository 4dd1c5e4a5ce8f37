using ImdbExperiments.Tests.Support;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class NativeMemoryTests
{
    [Fact]
    public void Configure_InATestHostWithoutJemalloc_TakesGlibcsRetainingSettings_AndSaysWhy()
    {
        // What each policy buys (page faults, seconds per step, peak RSS) is measured by memory-bench and the bench target, not here.
        Assert.False(JemallocPreload.IsLoaded());   // the test host is never started again with a preload
        var policy = NativeMemory.Configure("auto");
        Assert.Equal(OperatingSystem.IsLinux() ? MallocPolicy.Retain : MallocPolicy.System, policy);
        if (OperatingSystem.IsLinux())
            Assert.NotNull(NativeMemory.Reason);
    }

    [Fact]
    public void Heap_OnLinux_CountsANativeAllocationAsInUse()
    {
        var before = NativeMemory.Heap();
        Assert.Equal(OperatingSystem.IsLinux(), before is not null);
        if (before is null)
            return;
        var block = System.Runtime.InteropServices.Marshal.AllocHGlobal(256 << 20);   // malloc on Unix
        try
        {
            // Half the block is the margin for what tests running alongside free meanwhile.
            Assert.True(NativeMemory.Heap()!.InUseBytes >= before.InUseBytes + (128 << 20));
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(block);
        }
    }

    [Theory]
    [InlineData("jemaloc")]
    [InlineData("tcmalloc")]
    [InlineData("retain ")]
    public void ParseChoice_RejectsAnUnknownSetting_NamingTheVariableAndWhatIsAllowed(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => NativeMemory.ParseChoice(value));
        Assert.Contains($"IMDBX_MALLOC is '{value}'", error.Message);
        Assert.Contains("auto", error.Message);
        Assert.Contains("jemalloc", error.Message);
        Assert.Contains("retain", error.Message);
        Assert.Contains("system", error.Message);
    }

    [Fact]
    public void ParseChoice_OfAHugeValue_ShowsItsStart_OnOneLine()
    {
        var error = Assert.Throws<ArgumentException>(() => NativeMemory.ParseChoice(new string('a', 5000) + "\njemalloc"));
        Assert.Contains($"IMDBX_MALLOC is '{new string('a', 100)}…'", error.Message);
        Assert.True(error.Message.Length < 400, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(null, MallocChoice.Auto)]
    [InlineData("", MallocChoice.Auto)]
    [InlineData("AUTO", MallocChoice.Auto)]
    [InlineData("jemalloc", MallocChoice.Jemalloc)]
    [InlineData("retain", MallocChoice.Retain)]
    [InlineData("System", MallocChoice.System)]
    public void ParseChoice_TakesEachAllowedValue(string? value, MallocChoice expected) =>
        Assert.Equal(expected, NativeMemory.ParseChoice(value));

    [Fact]
    public void Configure_WithSystem_LeavesMallocAlone()
    {
        try
        {
            Assert.Equal(MallocPolicy.System, NativeMemory.Configure("system"));
            Assert.Equal(MallocPolicy.System, NativeMemory.Policy);
        }
        finally
        {
            NativeMemory.Configure("retain");
        }
    }

    [Fact]
    public void Configure_WithJemallocRequiredButNotLoaded_IsOneLineNamingWhy()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(MallocPolicy.System, NativeMemory.Configure("jemalloc"));   // nothing to choose elsewhere
            return;
        }
        var error = Assert.Throws<ArgumentException>(() => NativeMemory.Configure("jemalloc"));
        Assert.StartsWith("IMDBX_MALLOC is 'jemalloc' but jemalloc is not loaded in this process (", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
