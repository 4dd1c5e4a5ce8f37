using System.Text;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

/// <summary>
/// Seeded mutations of the shipped experiments/*.yaml: every input either loads or fails with the loader's own
/// <see cref="SpecException"/> pointing at a file position or an override, never another exception, never a hang.
/// A failure names the seed and input index, so it replays exactly.
/// </summary>
public sealed class SpecFuzzTests : IDisposable
{
    private const int Seed = 20261201;
    private const int Inputs = 2500;

    private static readonly string[] Garbage =
    [
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "#", "?", "\t", "\n", "\r",
        "\0", "\\", "\u00a0", "\ufeff", "\u202e", "\u200b", "\u0301", "\ud800", "\udfff", "😀", "\u2028", "\u0085", "---\n", "...\n",
        "&a ", "*a", "*nowhere", "<<: *a\n", "!!binary ", "!!int ", "!custom ", "? ", "~", "null", ".nan", "-.inf", "0x1F", "0o17",
        "1e999999", "-1e-999999", "99999999999999999999999999999", "-2147483649", "4.9e-324", "1_000", "+1", "yes", "No",
    ];

    private static readonly string[] Keys =
    [
        "name", "seed", "extends", "model.name", "model.revision", "tracking.run_name", "tracking.uri", "tracking.tags.x",
        "training.learning_rate", "training.batch_size", "data.limit.train", "sweep.parameters.training.learning_rate", "sweep.list",
    ];

    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact(Timeout = 300_000)]
    public async Task MutatedShippedSpecs_LoadOrFailWithAPositionedSpecException()
    {
        var shipped = Directory.GetFiles(RepositoryFolder("experiments"), "*.yaml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(shipped);
        foreach (var file in shipped)
        {
            folder.Write(Path.Combine("experiments", Path.GetFileName(file)), File.ReadAllText(file));
        }

        var bases = shipped.Select(File.ReadAllText).ToArray();
        var failures = new List<string>();
        var (loaded, refused) = (0, 0);

        // Off the test thread, so the Timeout above catches a hang instead of blocking the run.
        await Task.Run(() =>
        {
            var random = new Random(Seed);
            for (var i = 0; i < Inputs; i++)
            {
                var text = Mutate(bases[random.Next(bases.Length)], random);
                var bytes = Encoding.UTF8.GetBytes(text);
                if (random.Next(20) == 0)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100); // invalid UTF-8
                }

                var overrides = random.Next(5) == 0 ? new[] { $"{Keys[random.Next(Keys.Length)]}={Mutate(Pick(random, Garbage) + "x", random)}" } : [];
                var path = Path.Combine(folder.Root, "experiments", $"fuzz-{i}.yaml");
                File.WriteAllBytes(path, bytes);
                try
                {
                    var spec = SpecLoader.Load(path, overrides, folder.Root);
                    _ = (spec.ToYaml(), spec.Flatten());
                    loaded++;
                }
                catch (SpecException e)
                {
                    refused++;
                    foreach (var error in e.Errors.Where(error => error.File is null && error.Override is null || error.Message.Length == 0))
                    {
                        failures.Add($"input {i} (seed {Seed}): error without a file or override: {error.Message}");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"input {i} (seed {Seed}): {e.GetType().Name}: {e.Message}\n--- input ---\n{Truncate(text)}\n--- overrides: {string.Join(" ", overrides.Select(Truncate))}");
                }
                finally
                {
                    File.Delete(path);
                }
            }
        });

        Assert.True(failures.Count == 0, $"{failures.Count} of {Inputs} inputs broke the loader:\n{string.Join("\n\n", failures.Take(5))}");
        // The corpus exercises both outcomes, so neither side is vacuous.
        Assert.True(loaded > Inputs / 50 && refused > Inputs / 2, $"loaded {loaded}, refused {refused}");
    }

    private static string Mutate(string text, Random random)
    {
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations && text.Length > 0; m++)
        {
            var at = random.Next(text.Length + 1);
            var length = Math.Min(text.Length - at, random.Next(1, 40));
            text = random.Next(10) switch
            {
                0 => text.Remove(at, length),
                1 => text.Insert(at, text.Substring(at, length)),
                2 => text.Insert(at, string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, Garbage)))),
                3 => ReplaceValue(text, random, Pick(random, Garbage)),
                4 => text.Insert(LineStart(text, at), random.Next(2) == 0 ? new string('[', random.Next(1, 200)) : "\t"),
                5 => ReplaceValue(text, random, random.Next(2) == 0 ? "[1, [2, {a: [3]}]]" : "{x: 1, y: [a, b]}"),
                6 => AnchorAndAlias(text, random),
                7 => text.Insert(at, char.ConvertFromUtf32(random.Next(2) == 0 ? random.Next(0x20, 0x3000) : random.Next(0x1F300, 0x1FAFF))),
                8 => SwapLines(text, random),
                _ => text.Insert(LineStart(text, at), new string(' ', random.Next(1, 6))),
            };
        }

        return text;
    }

    /// <summary>Replaces what follows the ": " of a random line.</summary>
    private static string ReplaceValue(string text, Random random, string value)
    {
        var lines = text.Split('\n');
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal)).ToArray();
        if (candidates.Length == 0)
        {
            return text;
        }

        var line = candidates[random.Next(candidates.Length)];
        lines[line] = lines[line][..(lines[line].IndexOf(": ", StringComparison.Ordinal) + 2)] + value;
        return string.Join('\n', lines);
    }

    /// <summary>Puts an anchor on one value and an alias (or a growing chain of them) in another.</summary>
    private static string AnchorAndAlias(string text, Random random)
    {
        var anchored = ReplaceValue(text, random, "&a [x, y, z]");
        return random.Next(3) == 0
            ? anchored + "\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            : ReplaceValue(anchored, random, "*a");
    }

    private static string SwapLines(string text, Random random)
    {
        var lines = text.Split('\n');
        var (a, b) = (random.Next(lines.Length), random.Next(lines.Length));
        (lines[a], lines[b]) = (lines[b], lines[a]);
        return string.Join('\n', lines);
    }

    private static int LineStart(string text, int at) => at == 0 ? 0 : text.LastIndexOf('\n', at - 1) + 1;

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";

    private static string RepositoryFolder(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImdbExperiments.sln")))
            {
                return Path.Combine(directory.FullName, name);
            }
        }

        throw new DirectoryNotFoundException("ImdbExperiments.sln not found above the test output folder.");
    }
}
