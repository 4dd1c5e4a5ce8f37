using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImdbExperiments.Sweeps;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx search-bench</c>: the search-quality table of <see cref="SearchBench"/> (no training; seconds on a CPU).</summary>
static class SearchBenchCommand
{
    public static Command Create()
    {
        var seeds = CheckedOptions.Int("--seeds", 1, 1000, 20, "Seeds per set, method and objective (medians over them); the second set follows the first.");
        var output = new Option<string?>("--output", "-o") { Description = "The JSON file (default artifacts/bench/search-<yyyy-MM-dd-HHmmss>.json, UTC)." };
        var command = new Command("search-bench", "Compare grid, random, Optuna-default tpe and tuned tpe, with and without asha, on synthetic objectives with known optima, on two sets of seeds; print the tables and write JSON.")
        {
            seeds, output, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var started = DateTimeOffset.UtcNow;
            int[] budgets = [10, 20, 40];
            var count = result.GetValue(seeds);
            SearchBenchSampler[] samplers = [SearchBenchSampler.OptunaDefault, SearchBenchSampler.Tuned];
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected) console.Profile.Width = 200;
            // Both sets are shown so a sampler tuned to one seed set shows it on the other (the README names the held-out sets).
            var sets = new List<object>();
            foreach (var firstSeed in new[] { 0, count })
            {
                var rows = SearchBench.Run([SearchObjective.LearningRateBatch, SearchObjective.Branin], count, budgets, firstSeed, samplers, cancellationToken);
                var table = new Table().Title($"imdbx search-bench: median regret over seeds {firstSeed}..{firstSeed + count - 1} (cost: evaluations run, a full trial runs 9)")
                    .AddColumn("objective").AddColumn("method").AddColumn("asha");
                foreach (var budget in budgets) table.AddColumn(new TableColumn($"regret@{budget}").RightAligned());
                foreach (var budget in budgets) table.AddColumn(new TableColumn($"cost@{budget}").RightAligned());
                table.AddColumn(new TableColumn($"trials to random@{budgets[^1]}").RightAligned());
                foreach (var row in rows)
                {
                    table.AddRow([row.Objective, row.Method, row.Pruning ? "yes" : "no",
                        .. budgets.Select(b => row.MedianRegret[b].ToString("0.0000", CultureInfo.InvariantCulture)),
                        .. budgets.Select(b => row.MedianCost[b].ToString("0", CultureInfo.InvariantCulture)),
                        row.Method.StartsWith("tpe", StringComparison.Ordinal) ? row.TrialsToRandomAtMax?.ToString(CultureInfo.InvariantCulture) ?? $"> {budgets[^1]}" : ""]);
                }

                console.Write(table);
                sets.Add(new { firstSeed, rows });
            }

            var path = Path.GetFullPath(result.GetValue(output) ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "bench",
                $"search-{started.UtcDateTime.ToString("yyyy-MM-dd-HHmmss", CultureInfo.InvariantCulture)}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var json = JsonSerializer.Serialize(new { started, seeds = count, samplers, seedSets = sets }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, json + "\n", cancellationToken);
            File.Move(temporary, path, overwrite: true);
            Console.WriteLine($"bench     {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }));
        return command;
    }
}
