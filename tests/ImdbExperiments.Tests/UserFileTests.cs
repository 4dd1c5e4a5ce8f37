using System.Diagnostics;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests;

public sealed class UserFileTests
{
    [Fact]
    public void Directory_WhereAFileIsExpected_IsNamedAsADirectory()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<UserFileException>(() => UserFile.RequireRegular(folder.Path, "--file"));

        Assert.Equal($"--file: '{folder.Path}' is a directory; expected a file.", error.Message);
    }

    [Fact]
    public void CharacterDevice_IsRefusedBeforeItIsRead()
    {
        var error = Assert.Throws<UserFileException>(() => UserFile.RequireRegular("/dev/zero", "data.archive"));

        Assert.Equal("data.archive: '/dev/zero' is a character device; expected a regular file.", error.Message);
    }

    [Fact]
    public void Fifo_IsRefusedWithoutOpeningIt()
    {
        using var folder = new TempFolder();
        var fifo = folder.Combine("reviews.txt");
        using (var mkfifo = Process.Start("mkfifo", [fifo])!) { mkfifo.WaitForExit(); Assert.Equal(0, mkfifo.ExitCode); }

        var error = Assert.Throws<UserFileException>(() => UserFile.RequireRegular(fifo, "--file"));

        Assert.Contains("is a FIFO (named pipe); expected a regular file", error.Message);
    }

    [Fact]
    public void RegularFile_AndALinkToOne_Pass()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("a.txt");
        File.WriteAllText(file, "x");
        File.CreateSymbolicLink(folder.Combine("link.txt"), file);

        Assert.Equal(file, UserFile.RequireRegular(file, "--file"));
        Assert.Equal(folder.Combine("link.txt"), UserFile.RequireRegular(folder.Combine("link.txt"), "--file"));
    }

    [Fact]
    public async Task LocalArchive_OnDevZero_IsOneClearErrorInsteadOfHashingForever()
    {
        var error = await Assert.ThrowsAsync<UserFileException>(() => ArchiveFetcher.VerifyLocalAsync("/dev/zero", null).WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains("'/dev/zero' is a character device", error.Message);
    }
}
