using System.Runtime.InteropServices;

namespace ImdbExperiments;

/// <summary>
/// The one check for a path a user gave where a file is to be read (a spec, --file, data.archive, a model's files):
/// a directory, a missing path, or something that is not a regular file (a character device such as /dev/zero that
/// never ends, a FIFO that blocks on open) is refused up front with one line naming what was given.
/// </summary>
public static class UserFile
{
    /// <summary>Throws <see cref="UserFileException"/> unless <paramref name="path"/> is an existing regular file (after links).</summary>
    /// <param name="what">How the user gave it, for the message: "--file", "data.archive", "spec".</param>
    /// <returns>The full path.</returns>
    public static string RequireRegular(string path, string what)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new UserFileException($"{what}: '{path}' is a directory; expected a file.");
        if (!File.Exists(full))
            throw new UserFileException($"{what}: '{path}' does not exist.");
        if (NonRegularKind(full) is { } kind)
            throw new UserFileException($"{what}: '{path}' is a {kind}; expected a regular file.");
        return full;
    }

    /// <summary>Throws <see cref="UserFileException"/> unless <paramref name="path"/> is an existing directory.</summary>
    public static string RequireDirectory(string path, string what)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new UserFileException($"{what}: '{path}' is a file; expected a folder.");
        if (!Directory.Exists(full))
            throw new UserFileException($"{what}: '{path}' does not exist.");
        return full;
    }

    /// <summary>"character device", "FIFO", ... for what is not a regular file; null for a regular file (or where the OS cannot tell us).</summary>
    internal static string? NonRegularKind(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // statx's struct has one layout on every Linux architecture, unlike stat's; stx_mode is the u16 at byte 28.
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;  // a libc without statx (old glibc, musl before 1.2.5): the directory check still applies
        }
        return (BitConverter.ToUInt16(buffer, 28) & FileTypeMask) switch
        {
            RegularFile => null,
            0x2000 => "character device",
            0x6000 => "block device",
            0x1000 => "FIFO (named pipe)",
            0xC000 => "socket",
            0x4000 => "directory",
            _ => "special file",
        };
    }

    const int AtFdCwd = -100;
    const uint StatxType = 0x1;
    const int FileTypeMask = 0xF000;
    const int RegularFile = 0x8000;

    [DllImport("libc", EntryPoint = "statx")]
    static extern int Statx(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
