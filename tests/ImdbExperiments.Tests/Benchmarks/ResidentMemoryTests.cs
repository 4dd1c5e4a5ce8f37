using ImdbExperiments.Benchmarks;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class ResidentMemoryTests
{
    [Fact]
    public void PeakBytes_AreVmHwmInKilobytesTimes1024()
    {
        const string status = "Name:\timdbx\nVmPeak:\t 9876543 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n";

        Assert.Equal(123_456L * 1024, ResidentMemory.ParsePeakBytes(status));
    }

    [Fact]
    public void StatusBytes_ReadTheNamedField_AndRefuseAnOverflowingOne()
    {
        const string status = "VmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n";

        Assert.Equal(100_000L * 1024, ResidentMemory.ParseStatusBytes(status, "VmRSS:"));
        Assert.Null(ResidentMemory.ParseStatusBytes("VmRSS:\t 9223372036854775807 kB\n", "VmRSS:"));
    }

    [Theory]
    [InlineData("Name:\timdbx\nVmRSS:\t  100000 kB\n")]
    [InlineData("VmHWM:\t  lots kB\n")]
    [InlineData("VmHWM:\t  123456 MB\n")]
    [InlineData("")]
    public void PeakBytes_WithoutAReadableVmHwmLine_AreUnknown(string status) =>
        Assert.Null(ResidentMemory.ParsePeakBytes(status));

    [Fact]
    public void OnLinux_ThePeakCoversWhatWasTouched_AndCanBeReset()
    {
        if (!File.Exists("/proc/self/status"))
            return;  // no /proc: PeakBytes is null, covered by the parser tests
        var ballast = new byte[64 << 20];
        Array.Fill(ballast, (byte)1);  // touch every page
        var withBallast = ResidentMemory.PeakBytes();
        GC.KeepAlive(ballast);

        Assert.True(withBallast > 64 << 20);
        Assert.True(ResidentMemory.ResetPeak());
        Assert.True(ResidentMemory.PeakBytes() > 0);
    }
}
