using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>One row of <see cref="SearchBench"/>: a method, with or without ASHA, on one objective.</summary>
/// <param name="MedianRegret">By trial budget: the median over seeds of optimum − the best noiseless value among completed trials.</param>
/// <param name="MedianCost">By trial budget: the median over seeds of the evaluations all trials ran (a full trial runs them all).</param>
/// <param name="TrialsToRandomAtMax">For a tpe method: the fewest trials after which its median regret is at most random's (same pruning) at the largest budget.</param>
public sealed record SearchBenchRow(string Objective, string Method, bool Pruning, IReadOnlyDictionary<int, double> MedianRegret, IReadOnlyDictionary<int, double> MedianCost, int? TrialsToRandomAtMax);

/// <summary>
/// Search quality without training: grid, random and each TPE configuration given (default: Optuna's defaults and the
/// tuned one, see <see cref="SearchBenchSampler"/>), each without and with ASHA (eta 3, rungs at 1, 3 and 9
/// evaluations), on synthetic objectives with known optima, over many seeds. Random and tpe run the largest budget once
/// per seed and are read off after each budget; grid lays out floor(budget^(1/d)) levels per key for each budget
/// (log-spaced for log keys), in the planner's order. Seed s (firstSeed, firstSeed + 1, …) draws the proposals and the
/// evaluation noise, so a second set of seeds checks that a configuration was not tuned to the first.
/// </summary>
public static class SearchBench
{
    public static IReadOnlyList<SearchBenchRow> Run(IReadOnlyList<SearchObjective> objectives, int seeds = 20, IReadOnlyList<int>? budgets = null, CancellationToken cancellationToken = default) =>
        Run(objectives, seeds, budgets, firstSeed: 0, samplers: null, cancellationToken);

    public static IReadOnlyList<SearchBenchRow> Run(IReadOnlyList<SearchObjective> objectives, int seeds, IReadOnlyList<int>? budgets, int firstSeed,
        IReadOnlyList<SearchBenchSampler>? samplers, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seeds);
        ArgumentOutOfRangeException.ThrowIfNegative(firstSeed);
        budgets ??= [10, 20, 40];
        samplers ??= [SearchBenchSampler.OptunaDefault, SearchBenchSampler.Tuned];
        var max = budgets.Max();
        var rows = new List<SearchBenchRow>();
        foreach (var objective in objectives)
        {
            foreach (var pruning in new[] { false, true })
            {
                var random = new List<double[]>();
                var randomCost = new List<int[]>();
                var tpe = samplers.Select(_ => new List<double[]>()).ToArray();
                var tpeCost = samplers.Select(_ => new List<int[]>()).ToArray();
                var gridRegret = budgets.ToDictionary(b => b, _ => new List<double>());
                var gridCost = budgets.ToDictionary(b => b, _ => new List<double>());
                for (var s = 0; s < seeds; s++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var seed = (ulong)(firstSeed + s);
                    (var regret, var cost) = Search(objective, seed, max, pruning, new TpeOptions(NStartupTrials: int.MaxValue));
                    random.Add(regret);
                    randomCost.Add(cost);
                    for (var t = 0; t < samplers.Count; t++)
                    {
                        (regret, cost) = Search(objective, seed, max, pruning, samplers[t].Options);
                        tpe[t].Add(regret);
                        tpeCost[t].Add(cost);
                    }

                    foreach (var budget in budgets)
                    {
                        var grid = Grid(objective.Space, budget);
                        (regret, cost) = Run(objective, seed, grid, pruning);
                        gridRegret[budget].Add(regret[^1]);
                        gridCost[budget].Add(cost[^1]);
                    }
                }

                var randomAt = budgets.ToDictionary(b => b, b => Median(random.Select(r => r[b - 1])));
                rows.Add(new SearchBenchRow(objective.Name, "grid", pruning, gridRegret.ToDictionary(kv => kv.Key, kv => Median(kv.Value)), gridCost.ToDictionary(kv => kv.Key, kv => Median(kv.Value)), null));
                rows.Add(new SearchBenchRow(objective.Name, "random", pruning, randomAt, budgets.ToDictionary(b => b, b => Median(randomCost.Select(c => (double)c[b - 1]))), null));
                for (var t = 0; t < samplers.Count; t++)
                {
                    var curve = Enumerable.Range(0, max).Select(i => Median(tpe[t].Select(r => r[i]))).ToArray();
                    var reached = Array.FindIndex(curve, r => r <= randomAt[max]);
                    var costs = tpeCost[t];
                    rows.Add(new SearchBenchRow(objective.Name, samplers[t].Method, pruning, budgets.ToDictionary(b => b, b => curve[b - 1]),
                        budgets.ToDictionary(b => b, b => Median(costs.Select(c => (double)c[b - 1]))), reached < 0 ? null : reached + 1));
                }
            }
        }

        return rows;
    }

    /// <summary>A random (startup trials only) or tpe search of <paramref name="trials"/> trials: regret and cumulative cost after each trial.</summary>
    private static (double[] Regret, int[] Cost) Search(SearchObjective objective, ulong seed, int trials, bool pruning, TpeOptions options)
    {
        var history = new List<SearchTrial>();
        return Loop(objective, seed, trials, pruning, i => TpeSampler.Propose(objective.Space, history, SweepGoal.Maximize, seed, i, options), history);
    }

    private static (double[] Regret, int[] Cost) Run(SearchObjective objective, ulong seed, IReadOnlyList<IReadOnlyDictionary<string, double>> points, bool pruning) =>
        Loop(objective, seed, points.Count, pruning, i => points[i], []);

    private static (double[] Regret, int[] Cost) Loop(SearchObjective objective, ulong seed, int trials, bool pruning, Func<int, IReadOnlyDictionary<string, double>> propose, List<SearchTrial> history)
    {
        var regret = new double[trials];
        var cost = new int[trials];
        var best = double.NegativeInfinity;
        var spent = 0;
        for (var i = 0; i < trials; i++)
        {
            var point = propose(i);
            var curve = objective.Curve(point, new DeterministicRandom(seed ^ 0x5EED_0F_0B_7EC7UL, i + 1));
            var seen = new List<double>();
            var stopped = false;
            foreach (var value in curve)
            {
                seen.Add(value);
                if (pruning && SuccessiveHalvingRule.ShouldStop(seen, history.Select(t => t.Evaluations), SweepGoal.Maximize))
                {
                    stopped = true;
                    break;
                }
            }

            spent += seen.Count;
            history.Add(new SearchTrial(i, point, stopped ? TrialStatus.Stopped : TrialStatus.Completed, stopped ? null : seen[^1], seen));
            if (!stopped)
            {
                best = Math.Max(best, objective.Value(point));
            }

            regret[i] = objective.Optimum - best;
            cost[i] = spent;
        }

        return (regret, cost);
    }

    /// <summary>floor(budget^(1/d)) evenly spaced levels per key (cell centres; log-spaced for log keys), the last key fastest.</summary>
    internal static IReadOnlyList<IReadOnlyDictionary<string, double>> Grid(IReadOnlyList<SearchDimension> space, int budget)
    {
        var levels = Math.Max(1, (int)Math.Floor(Math.Pow(budget, 1.0 / space.Count) + 1e-9));
        IEnumerable<IReadOnlyDictionary<string, double>> points = [new Dictionary<string, double>()];
        foreach (var dimension in space)
        {
            var values = Enumerable.Range(0, levels).Select(l =>
            {
                var u = (l + 0.5) / levels;
                var x = dimension.Log ? Math.Exp(Math.Log(dimension.Low) + u * (Math.Log(dimension.High) - Math.Log(dimension.Low))) : dimension.Low + u * (dimension.High - dimension.Low);
                return dimension.Snap(x);
            }).ToArray();
            points = points.SelectMany(p => values.Select(v => (IReadOnlyDictionary<string, double>)new Dictionary<string, double>(p) { [dimension.Key] = v })).ToList();
        }

        return [.. points];
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
