using ImdbExperiments.Tests.Support;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class NativeMemoryTests
{
    [Fact]
    public void RetainFreedMemory_OnLinux_TakesGlibcsSettings()
    {
        // What it buys (page faults and seconds per training step) is measured by the bench target, not here.
        Assert.Equal(OperatingSystem.IsLinux(), NativeMemory.RetainFreedMemory());
        Assert.Equal(OperatingSystem.IsLinux(), NativeMemory.Retaining);
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

    [Fact]
    public void RetainFreedMemory_RejectsAnUnknownSetting_NamingTheVariableAndWhatIsAllowed()
    {
        var error = Assert.Throws<ArgumentException>(() => NativeMemory.RetainFreedMemory("jemalloc"));
        Assert.Contains("IMDBX_MALLOC is 'jemalloc'", error.Message);
        Assert.Contains("retain", error.Message);
        Assert.Contains("system", error.Message);
    }

    [Fact]
    public void RetainFreedMemory_WithSystem_LeavesMallocAlone()
    {
        Assert.False(NativeMemory.RetainFreedMemory("system"));
    }
}
