using System.Text;

namespace ImdbExperiments.Specs;

/// <summary>Reads a spec file's text, reading at most <see cref="SpecLimits.MaxFileBytes"/> + 1 bytes of a regular file.</summary>
internal static class SpecFileReader
{
    /// <param name="reference">Where the file was named (an extends key), for the error's position; null for the spec given on the command line.</param>
    public static string Read(string file, SpecScalar? reference, string workingDirectory)
    {
        var display = SpecPaths.Display(file, workingDirectory);
        // A FIFO blocks on open and a device never ends: refused before opening (an extends: target too, not only --experiment).
        if (UserFile.NonRegularKind(Path.GetFullPath(file)) is { } kind)
        {
            throw Refused(file, reference, $"{display} is a {kind}, not a regular file; a spec must be a regular file", workingDirectory);
        }

        var info = new FileInfo(file);
        if (info.Length > SpecLimits.MaxFileBytes)
        {
            throw Refused(file, reference, $"{display} is {info.Length} bytes; a spec file may have at most {SpecLimits.MaxFileBytes} bytes (a spec-loading limit)", workingDirectory);
        }

        var buffer = new byte[SpecLimits.MaxFileBytes + 1];
        var length = 0;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refused(file, reference, $"cannot read {display}: {e.Message}", workingDirectory);
        }

        if (length > SpecLimits.MaxFileBytes)
        {
            // A device such as /dev/zero reports size 0 and never ends.
            var what = info.Length == 0 ? $"{display} is not a regular file (it reports size 0 but gives more than {SpecLimits.MaxFileBytes} bytes)"
                : $"{display} grew past {SpecLimits.MaxFileBytes} bytes while it was read; a spec file may have at most {SpecLimits.MaxFileBytes} bytes (a spec-loading limit)";
            throw Refused(file, reference, what, workingDirectory);
        }

        using var reader = new StreamReader(new MemoryStream(buffer, 0, length), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static SpecException Refused(string file, SpecScalar? reference, string problem, string workingDirectory) =>
        new([reference is null
            ? SpecError.At(SpecOrigin.InFile(file, 0, 0), "", null, problem, [$"at most {SpecLimits.MaxFileBytes} bytes"], workingDirectory)
            : SpecError.At(reference.Origin, SpecSchema.ExtendsKey, reference.Value, problem, [$"at most {SpecLimits.MaxFileBytes} bytes"], workingDirectory)]);
}
