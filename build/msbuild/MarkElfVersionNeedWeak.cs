// Compiled by MSBuild's RoslynCodeTaskFactory (see TorchSharpNative.targets) and, with
// IMDBX_ELF_TESTS defined, by the test project, which exercises ElfVersionNeed directly.
using System;
using System.IO;
using System.Text;
#if !IMDBX_ELF_TESTS
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkElfVersionNeedWeak : Task
{
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var result = ElfVersionNeed.MarkWeak(path, Version);
                Log.LogMessage(MessageImportance.Low, "{0}: {1} {2}", path, Version, result);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("Could not mark {0} weak in {1}: {2}", Version, path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif

public enum ElfPatchResult { Patched, AlreadyWeak, NotRequired }

/// <summary>Marks one symbol-version requirement (a Vernaux entry of .gnu.version_r) weak in an ELF64 little-endian file.</summary>
public static class ElfVersionNeed
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public static ElfPatchResult MarkWeak(string path, string version)
    {
        var bytes = File.ReadAllBytes(path);
        var flagsOffset = FindVernauxFlagsOffset(bytes, version, path);
        if (flagsOffset < 0) return ElfPatchResult.NotRequired;
        var flags = BitConverter.ToUInt16(bytes, flagsOffset);
        if ((flags & VerFlgWeak) != 0) return ElfPatchResult.AlreadyWeak;
        // Patch a fresh copy and rename it over the original: the original may be a hard link into
        // the NuGet cache, which must keep its bytes. (netstandard2.0 API only: MSBuild compiles this.)
        var temp = path + ".weak-tmp";
        File.Copy(path, temp, overwrite: true);
        using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
        {
            stream.Position = flagsOffset;
            stream.Write(BitConverter.GetBytes((ushort)(flags | VerFlgWeak)), 0, 2);
        }
        // Keep the timestamp so that MSBuild's incremental copy (same size, same time) leaves the patched copy alone.
        File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path));
        File.Replace(temp, path, null);
        return ElfPatchResult.Patched;
    }

    /// <summary>Offset of vna_flags of the Vernaux entry named <paramref name="version"/>, or -1 when the file does not require it.</summary>
    public static int FindVernauxFlagsOffset(byte[] elf, string version, string nameForErrors)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException(nameForErrors + " is not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException(nameForErrors + " is not a 64-bit little-endian ELF file.");

        var shoff = checked((int)BitConverter.ToUInt64(elf, 0x28));
        var shentsize = BitConverter.ToUInt16(elf, 0x3A);
        var shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + i * shentsize;
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            var offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            var link = BitConverter.ToUInt32(elf, sh + 0x28);   // section index of the string table
            var count = BitConverter.ToUInt32(elf, sh + 0x2C);  // sh_info: number of Verneed entries
            var strtab = checked((int)BitConverter.ToUInt64(elf, shoff + (int)link * shentsize + 0x18));

            var verneed = offset;
            for (var n = 0; n < count; n++)
            {
                var auxCount = BitConverter.ToUInt16(elf, verneed + 2);
                var aux = verneed + (int)BitConverter.ToUInt32(elf, verneed + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = ReadCString(elf, strtab + (int)BitConverter.ToUInt32(elf, aux + 8));
                    if (name == version) return aux + 4;  // vna_hash (4 bytes), then vna_flags
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                verneed += (int)BitConverter.ToUInt32(elf, verneed + 12);
            }
        }
        return -1;
    }

    static string ReadCString(byte[] bytes, int start)
    {
        var end = Array.IndexOf(bytes, (byte)0, start);
        return Encoding.ASCII.GetString(bytes, start, (end < 0 ? bytes.Length : end) - start);
    }
}
