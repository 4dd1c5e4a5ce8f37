using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Caching;

public sealed class FileLockAbandonedTests
{
    [Fact]
    public void TryAcquire_NamesTheHolderThatDiedHoldingTheLock_ButNotOneThatReleasedIt()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("x.lock");
        var dead = new LockHolder { Pid = 31337, Host = "elsewhere", Command = "imdbx sweep", SinceUtc = DateTimeOffset.UnixEpoch };
        using (var killed = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            killed.Write(dead.ToUtf8()); // a process killed while holding it: its flock goes with it, its name stays
        }

        Assert.False(FileLock.IsHeld(path));
        using (var first = FileLock.TryAcquire(path, out var abandonedBy))
        {
            Assert.NotNull(first);
            Assert.Equal(dead, abandonedBy);
            Assert.True(FileLock.IsHeld(path));
            Assert.NotEqual(0, new FileInfo(path).Length); // probing did not clear the holder's name
        }

        using var second = FileLock.TryAcquire(path, out var afterRelease);
        Assert.NotNull(second);
        Assert.Null(afterRelease);
    }
}
