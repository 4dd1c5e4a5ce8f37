using System.CommandLine;
using System.Globalization;
using ImdbExperiments.Cli;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

/// <summary>
/// Every numeric, choice and list option of every command, found by walking imdbx's command tree and fed a bad value:
/// one line naming the option and the value and what is allowed, no .NET type name (System.CommandLine's own message), exit code 2.
/// </summary>
public sealed class ImdbxOptionTests
{
    static readonly string[] TypeNames = ["System.", "Int32", "Int64", "Double", "Decimal", "Nullable", "IReadOnlyList", "expected type", "   at "];

    /// <summary>Each command (by its path under the root) with each option it takes.</summary>
    static IEnumerable<(string[] Path, Command Command, Option Option)> Walk(Command command, string[] path)
    {
        foreach (var option in command.Options)
            yield return (path, command, option);
        foreach (var sub in command.Subcommands)
            foreach (var entry in Walk(sub, [.. path, sub.Name]))
                yield return entry;
    }

    static IEnumerable<(string[] Path, Command Command, Option Option)> All() => Walk(ImdbxCommands.Root(), []);

    /// <summary>A number, an enum, or a list of either: a value System.CommandLine would parse with the type's own message.</summary>
    static bool TakesNumberOrChoice(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type != typeof(string) && type.GetInterfaces().Concat([type]).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } list)
            type = list.GetGenericArguments()[0];
        return type.IsEnum || type.IsPrimitive && type != typeof(bool) || type == typeof(decimal);
    }

    /// <summary>Every option made with <see cref="CheckedOptions"/>, by command path and name, each with the bad values to try.</summary>
    public static TheoryData<string, string, string> BadValues()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (path, _, option) in All().Where(e => CheckedOptions.RuleOf(e.Option) is not null).DistinctBy(e => (string.Join(' ', e.Path), e.Option.Name)))
        {
            var command = string.Join(' ', path);
            data.Add(command, option.Name, "abc");
            data.Add(command, option.Name, "");
            if (CheckedOptions.RuleOf(option)!.Range is not { } range) continue;
            // Just outside the range at both ends (and the excluded end itself).
            data.Add(command, option.Name, Text(range.Max + 1));
            data.Add(command, option.Name, Text(range.Min - 1));
            if (!range.Whole) data.Add(command, option.Name, "NaN");
            if (range.MaxExclusive) data.Add(command, option.Name, Text(range.Max));
            else if (range.Whole) data.Add(command, option.Name, Text(range.Min) + ".5");
        }
        return data;
    }

    static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The command line: the command, dummy values for its other required options, and the option with its value.</summary>
    static string[] CommandLine(string command, string option, string value)
    {
        var (path, target, _) = All().First(e => string.Join(' ', e.Path) == command);
        var required = target.Options.Where(o => o.Required && o.Name != option).SelectMany(o => new[] { o.Name, "x" });
        return [.. path, .. required, option, value];
    }

    static (int? Code, string Error) Parse(params string[] args)
    {
        using var error = new StringWriter();
        var code = CliErrors.RejectCommandLine(ImdbxCommands.Root().Parse(args), error);
        return (code, error.ToString());
    }

    [Fact]
    public void EveryNumericOrChoiceOption_OfEveryCommand_IsCheckedWithItsAllowedValues()
    {
        var options = All().Where(e => TakesNumberOrChoice(e.Option.ValueType)).ToList();

        Assert.True(options.Count >= 30, $"only {options.Count} numeric options found: is the walk broken?");
        Assert.All(options, e => Assert.True(CheckedOptions.RuleOf(e.Option) is not null,
            $"imdbx {string.Join(' ', e.Path)} {e.Option.Name} ({e.Option.ValueType.Name}) is not made with CheckedOptions: a bad value would print System.CommandLine's message with the .NET type name"));
    }

    [Fact]
    public void EveryChoiceOption_NamesItsChoicesAsTypedInTheHelp_NotTheEnumsMembers()
    {
        static bool IsEnum(Type type) => (Nullable.GetUnderlyingType(type) ?? type).IsEnum;
        var options = All().Where(e => IsEnum(e.Option.ValueType)).ToList();

        Assert.NotEmpty(options);
        // System.CommandLine's help lists an enum option's members (<Bf16|Fp32>) unless the option has a HelpName.
        Assert.All(options, e => Assert.True(e.Option.HelpName is { } name && name == name.ToLowerInvariant() && name.Length > 0,
            $"imdbx {string.Join(' ', e.Path)} {e.Option.Name}: help name '{e.Option.HelpName}' is not the choices as typed"));
    }

    [Fact]
    public void NoChoiceOption_ShowsAnEnumMemberAsItsDefaultInTheHelp()
    {
        static bool IsEnum(Type type) => (Nullable.GetUnderlyingType(type) ?? type).IsEnum;
        var options = All().Where(e => IsEnum(e.Option.ValueType)).ToList();

        // Help prints a default value with ToString() ("[default: Auto]"), not as typed ("auto"): an enum option has none,
        // and its description says the default in the option's own words.
        Assert.All(options, e => Assert.False(e.Option.HasDefaultValue && e.Option.GetDefaultValue() is not null,
            $"imdbx {string.Join(' ', e.Path)} {e.Option.Name}: help would show the default as '{e.Option.GetDefaultValue()}'"));
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValue_IsOneLineNamingTheOptionTheValueAndWhatIsAllowed_ExitCode2(string command, string option, string value)
    {
        var (code, error) = Parse(CommandLine(command, option, value));

        Assert.Equal(CliErrors.Usage, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {option} ", line);
        Assert.Contains(value.Length == 0 ? "''" : value, line.Replace("\"\"", "''"));
        Assert.Contains("allowed", line, StringComparison.OrdinalIgnoreCase);
        Assert.All(TypeNames, name => Assert.DoesNotContain(name, line));
    }

    [Fact]
    public void EveryNumericOption_TakesBothEndsOfItsRange()
    {
        foreach (var (path, target, option) in All().Where(e => CheckedOptions.RuleOf(e.Option)?.Range is { Whole: true }))
        {
            var range = CheckedOptions.RuleOf(option)!.Range!;
            foreach (var end in new[] { range.Min, range.Max })
            {
                var args = CommandLine(string.Join(' ', path), option.Name, Text(end));
                var parse = ImdbxCommands.Root().Parse(args);
                Assert.True(parse.Errors.Count == 0, $"imdbx {string.Join(' ', args)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            }
        }
    }

    [Fact]
    public void BadValueWithANewline_StaysOneLine()
    {
        var (code, error) = Parse("serve", "--port", "80\nerror: injected");

        Assert.Equal(CliErrors.Usage, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(@"'80\nerror: injected'", line);
    }

    [Fact]
    public void BadValueBesideAMissingRequiredOption_NamesTheBadValueFirst()
    {
        var (code, error) = Parse("bench-inference", "--batch", "abc");

        Assert.Equal(CliErrors.Usage, code);
        Assert.StartsWith("error: --batch abc is not valid; allowed: a whole number from 1 to 4096 (1 more).", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("serve --port 99999", "--port 99999 is not valid; allowed: a whole number from 0 to 65535")]
    [InlineData("predict --batch-size abc --text Great.", "--batch-size abc is not valid; allowed: a whole number from 1 to 4096")]
    [InlineData("memory-bench --length 12x", "--length 12x is not valid; allowed: a whole number from 2 to 512")]
    public void TheProgram_RejectsABadValueBeforeDoingAnything_OneLineOnStandardError_ExitCode2(string commandLine, string expected)
    {
        using var project = new TempFolder();

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, commandLine.Split(' '));

        Assert.Equal(CliErrors.Usage, code);
        Assert.Empty(stdout);
        Assert.Contains(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(project.Path));
    }
}
