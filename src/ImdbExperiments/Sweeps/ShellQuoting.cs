using System.Text.RegularExpressions;

namespace ImdbExperiments.Sweeps;

/// <summary>POSIX shell quoting (sh, bash, zsh), as Python's shlex.quote: safe words stay bare, anything else goes in single quotes.</summary>
public static partial class ShellQuoting
{
    public static string Quote(string argument) =>
        argument.Length == 0 ? "''"
        : SafeWord().IsMatch(argument) ? argument
        : "'" + argument.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));

    [GeneratedRegex(@"^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex SafeWord();
}
