namespace ImdbExperiments.Tests.Build;

public sealed class ElfVersionNeedTests
{
    static string LibTorchSharpInOutput() =>
        Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();

    [Fact]
    public void BuildOutput_LibTorchSharp_HasGlibcxx3432MarkedWeak()
    {
        var bytes = File.ReadAllBytes(LibTorchSharpInOutput());
        var offset = ElfVersionNeed.FindVernauxFlagsOffset(bytes, "GLIBCXX_3.4.32", "libLibTorchSharp.so");

        Assert.True(offset > 0, "TorchSharp 0.107's libLibTorchSharp.so should require GLIBCXX_3.4.32");
        Assert.Equal(0x2, BitConverter.ToUInt16(bytes, offset) & 0x2);
    }

    [Fact]
    public void MarkWeak_IsIdempotent_AndTouchesOnlyTheFlag()
    {
        var dir = Directory.CreateTempSubdirectory("imdbx-elf-");
        try
        {
            var copy = Path.Combine(dir.FullName, "lib.so");
            var original = File.ReadAllBytes(LibTorchSharpInOutput());
            var offset = ElfVersionNeed.FindVernauxFlagsOffset(original, "GLIBCXX_3.4.32", "lib.so");
            original[offset] &= unchecked((byte)~0x2);  // as shipped in the NuGet package
            File.WriteAllBytes(copy, original);

            Assert.Equal(ElfPatchResult.Patched, ElfVersionNeed.MarkWeak(copy, "GLIBCXX_3.4.32"));
            var patched = File.ReadAllBytes(copy);
            Assert.Equal(ElfPatchResult.AlreadyWeak, ElfVersionNeed.MarkWeak(copy, "GLIBCXX_3.4.32"));
            Assert.Equal(patched, File.ReadAllBytes(copy));

            var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
            Assert.Equal(new[] { offset }, differing);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void MarkWeak_OfAVersionNotRequired_ChangesNothing()
    {
        var dir = Directory.CreateTempSubdirectory("imdbx-elf-");
        try
        {
            var copy = Path.Combine(dir.FullName, "lib.so");
            File.Copy(LibTorchSharpInOutput(), copy);
            var before = File.ReadAllBytes(copy);

            Assert.Equal(ElfPatchResult.NotRequired, ElfVersionNeed.MarkWeak(copy, "GLIBCXX_9.9.99"));
            Assert.Equal(before, File.ReadAllBytes(copy));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void MarkWeak_OfANonElfFile_IsAClearError()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "not a shared library");
            var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeed.MarkWeak(file, "GLIBCXX_3.4.32"));
            Assert.Contains("not an ELF file", e.Message);
        }
        finally { File.Delete(file); }
    }
}
