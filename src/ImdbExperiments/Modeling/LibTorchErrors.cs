using System.Runtime.InteropServices;

namespace ImdbExperiments.Modeling;

/// <summary>
/// The load boundary's guard against native stack traces: libtorch's errors (TorchSharp rethrows them as
/// <see cref="ExternalException"/> or a plain <see cref="Exception"/> whose message carries the C++ backtrace)
/// become one line that names what was being loaded, so a bad file never shows a user libtorch's frames.
/// </summary>
public static class LibTorchErrors
{
    /// <summary>Runs <paramref name="action"/>; a libtorch error becomes an <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    /// <param name="what">the file and tensor or value being built, e.g. "model/config.json: hidden_size 1000000000"</param>
    public static T Guard<T>(string what, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsNative(e))
        {
            throw new InvalidDataException($"{what}: libtorch refused it: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>libtorch's message without its backtrace: the first line, without the "Exception raised from" tail.</summary>
    public static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].TrimEnd('\r', ' ');
        var raised = line.IndexOf("Exception raised from", StringComparison.Ordinal);
        return raised > 0 ? line[..raised].TrimEnd() : line;
    }

    // TorchSharp turns every libtorch error into ExternalException or Exception itself; an allocation that fails is OutOfMemory.
    private static bool IsNative(Exception e) =>
        e is ExternalException or OutOfMemoryException || e.GetType() == typeof(Exception);
}
