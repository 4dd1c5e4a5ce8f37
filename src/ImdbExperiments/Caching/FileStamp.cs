using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace ImdbExperiments.Caching;

/// <summary>
/// What can be read about a file without reading it: size, modification time, and where the OS has them the
/// change time (which no user call can set back) and the file id (device and inode). Two equal stamps mean
/// the file was neither rewritten nor replaced, so a cache hit need not hash it again.
/// </summary>
public sealed record FileStamp
{
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("mtime_ns")] public long ModifiedNs { get; init; }
    [JsonPropertyName("ctime_ns")] public long? ChangedNs { get; init; }
    [JsonPropertyName("file_id")] public string? FileId { get; init; }

    /// <summary>The stamp of the file at <paramref name="path"/>, or null when it does not exist.</summary>
    public static FileStamp? Read(string path)
    {
        if (OperatingSystem.IsLinux() && Statx.TryRead(path) is { } precise) return precise;
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        return new FileStamp { Size = info.Length, ModifiedNs = (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100 };
    }

    /// <summary>Linux's statx(2): its struct has one layout on every architecture, unlike struct stat.</summary>
    static class Statx
    {
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint BasicStats = 0x7ff;
        const int BufferSize = 256;

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        static extern int Call(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

        public static FileStamp? TryRead(string path)
        {
            var buffer = new byte[BufferSize];
            try
            {
                if (Call(AtFdCwd, path, AtSymlinkNoFollow, BasicStats, buffer) != 0) return null;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
            var span = buffer.AsSpan();
            // Offsets of struct statx (linux/stat.h): stx_ino 32, stx_size 40, stx_ctime 96, stx_mtime 112, stx_dev_major 136, stx_dev_minor 140.
            var inode = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
            var size = BinaryPrimitives.ReadInt64LittleEndian(span[40..]);
            return new FileStamp
            {
                Size = size,
                ChangedNs = Nanoseconds(span[96..]),
                ModifiedNs = Nanoseconds(span[112..]),
                FileId = $"{BinaryPrimitives.ReadUInt32LittleEndian(span[136..])}:{BinaryPrimitives.ReadUInt32LittleEndian(span[140..])}:{inode}",
            };
        }

        // struct statx_timestamp: s64 tv_sec, u32 tv_nsec.
        static long Nanoseconds(ReadOnlySpan<byte> timestamp) => unchecked(
            BinaryPrimitives.ReadInt64LittleEndian(timestamp) * 1_000_000_000L + BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]));
    }
}
