using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text;
using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// Turns failures into one readable message and an exit code. The library's errors are written for
/// users (file, key, value, what is allowed); a stack trace is shown only for what looks like a bug,
/// or for everything with IMDBX_DEBUG=1.
/// </summary>
static class CliErrors
{
    public const int Failed = 1;
    public const int Cancelled = 130;

    /// <summary>A command line that does not parse (a bad option value, an unknown option): nothing ran; 2 as getopt-style tools answer.</summary>
    public const int Usage = 2;

    /// <summary>
    /// For a command line with parse errors: its first error as one line on <paramref name="error"/> and <see cref="Usage"/>;
    /// null when it parsed (or asks for help), to be invoked.
    /// </summary>
    public static int? RejectCommandLine(ParseResult parse, TextWriter error)
    {
        if (parse.Errors.Count == 0 || parse.Action is not ParseErrorAction) return null;
        // A bad value or an unknown word first: it says more than "option '--model' is required" given with it.
        var first = parse.Errors
            .OrderBy(e => e.SymbolResult is { Tokens.Count: > 0 } ? 0 : 1)
            .ThenBy(e => parse.UnmatchedTokens.Any(token => e.Message.Contains($"'{token}'", StringComparison.Ordinal)) ? 0 : 1)
            .First();
        var message = OneLine(first.Message).TrimEnd('.');
        var more = parse.Errors.Count > 1 ? $" ({parse.Errors.Count - 1} more)" : "";
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is CommandResult parent; result = parent)
            path.Insert(0, result.Command.Name);
        error.WriteLine($"error: {message}{more}. See imdbx {string.Join(' ', [.. path, "--help"])}.");
        return Usage;
    }

    /// <summary>Control characters (a newline in a hostile value) escaped, so that a message stays one line.</summary>
    public static string OneLine(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var line = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            line.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\u{(int)c:x4}", _ => c.ToString() });
        return line.ToString();
    }

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException e) when (CliCancellation.Requested)
        {
            var stopped = e is TrainingStoppedException training ? $"; {training.Message}" : "";
            Console.Error.WriteLine($"imdbx: cancelled ({CliCancellation.Signal}{stopped}; run the same command again to resume)");
            return Cancelled;
        }
        catch (Exception e) when (!IsBug(e) && Environment.GetEnvironmentVariable("IMDBX_DEBUG") is not ("1" or "true"))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    static bool IsBug(Exception e) => e is NullReferenceException or IndexOutOfRangeException or InvalidCastException
        or NotImplementedException or ArgumentNullException or KeyNotFoundException or DivideByZeroException or AccessViolationException;
}
