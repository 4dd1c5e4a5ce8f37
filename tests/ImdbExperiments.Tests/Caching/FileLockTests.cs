using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Caching;

// flock(2) locks belong to an open file description, so two FileLocks in one process exclude each other
// exactly as two processes do; ImdbxLockTests covers the same behaviour across real processes.
public sealed class FileLockTests
{
    [Fact]
    public async Task Waiter_NamesTheHoldersPid_ThenTakesTheLockWhenItIsReleased()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("locks", "k.lock");
        var holder = FileLock.TryAcquire(path)!;
        var reported = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var waiting = FileLock.AcquireAsync(path, LockOptions.Default, message => reported.TrySetResult(message), CancellationToken.None);
        var message = await reported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        holder.Dispose();
        using var acquired = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}", message);
        Assert.Contains(path, message);
        Assert.Equal(Environment.ProcessId, FileLock.ReadHolder(path)?.Pid);
    }

    [Fact]
    public void NoWait_FailsAtOnceNamingTheHolder()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("k.lock");
        using var holder = FileLock.TryAcquire(path)!;

        var error = Assert.Throws<LockUnavailableException>(() => FileLock.Acquire(path, new LockOptions { NoWait = true }, null));

        Assert.Equal(Environment.ProcessId, error.Holder?.Pid);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message);
        Assert.Contains("--no-wait", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task ExpiredTimeout_FailsNamingTheHolder()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("k.lock");
        using var holder = FileLock.TryAcquire(path)!;

        var error = await Assert.ThrowsAsync<LockUnavailableException>(() =>
            FileLock.AcquireAsync(path, new LockOptions { Timeout = TimeSpan.Zero }, null, CancellationToken.None));

        Assert.Contains("--lock-timeout", error.Message);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void LockPathThatIsADirectory_FailsWithOneLineNamingThePath()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("k.lock");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<LockUnavailableException>(() => FileLock.TryAcquire(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("is a directory", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void LockUnderAFile_FailsWithOneLineNamingThePath()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("locks"), "not a folder");
        var path = temp.Combine("locks", "k.lock");

        var error = Assert.Throws<LockUnavailableException>(() => FileLock.TryAcquire(path));

        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ReleasedLock_NamesNobody()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("k.lock");
        FileLock.TryAcquire(path)!.Dispose();

        Assert.Null(FileLock.ReadHolder(path));
        using var again = FileLock.TryAcquire(path);
        Assert.NotNull(again);
    }

    [Fact]
    public void HostileHolderRecord_IsShownWithoutControlCharacters()
    {
        var holder = LockHolder.TryParse("{\"pid\":7,\"host\":\"h\\u001b[2J\",\"command\":\"x\\ny\"}"u8);

        Assert.NotNull(holder);
        Assert.DoesNotContain(holder.Describe(), char.IsControl);
    }

    [Fact]
    public void HolderCommand_KeepsTheSubcommandAndExperiment_AndDropsOptionsThatMayHoldSecrets()
    {
        var command = LockHolder.CommandOf(["/opt/imdbx/imdbx.dll", "train", "--set", "tracking.uri=https://u:secret@host", "--experiment", "smoke"]);

        Assert.Equal("imdbx.dll train --experiment smoke", command);
    }
}
