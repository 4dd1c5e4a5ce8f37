using System.CommandLine;
using System.Globalization;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Sweeps;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx sweep</c> runs a sweep's trials (each a child MLflow run); <c>imdbx sweep plan</c> prints the commands that run them elsewhere.</summary>
static class SweepCommands
{
    const int MaxParallel = 256;

    static readonly Option<int?> Parallel = CheckedOptions.OptionalInt("--parallel", 1, MaxParallel,
        "Run this many trials at once, each in its own worker process with training.threads = cores / N (unless the spec sets training.threads).");

    static readonly Option<bool> Worker = new("--worker")
    {
        Description = "Be one of several workers of the sweep's shared study (see 'sweep plan'): take trials until the budget is spent.",
    };

    // A worker started by --parallel: no progress bars, and it stops when its standard input closes.
    static readonly Option<bool> SpawnedWorker = new("--spawned-worker") { Hidden = true };

    public static Command Create()
    {
        var command = new Command("sweep", "Run every pending trial of a sweep spec (sweep: section), then print the trials sorted by the sweep metric.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Artifacts, CommonOptions.NoWait, CommonOptions.LockTimeout, Parallel, Worker, SpawnedWorker,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(() => RunAsync(result, cancellationToken)));
        command.Subcommands.Add(Plan());
        return command;
    }

    static Command Plan()
    {
        var style = CheckedOptions.Choice("--style", "cake", "Commands as 'cake' (dotnet cake --target=...) or 'imdbx' (imdbx ...).", ("cake", "cake"), ("imdbx", "imdbx"));
        var workers = CheckedOptions.Int("--workers", 1, MaxParallel, 1,
            "For a sweep whose trials come from its study (tpe, asha, hyperband): how many worker commands to print.");
        var command = new Command("plan", "Print one self-contained command per trial not yet finished, or for tpe / asha / hyperband one per worker of the shared study (or JSON), to run a sweep on many machines.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Json, CommonOptions.Artifacts, style, workers,
        };
        command.SetAction((result, _) => CliErrors.RunAsync(() =>
        {
            var context = StageCommands.CreateContext(result);
            var experiment = Path.GetRelativePath(Directory.GetCurrentDirectory(), context.Spec.SourcePath);
            var sweep = SweepExecution.RequireSweep(context.Spec);
            var cake = result.GetValue(style) != "imdbx";
            var overrides = result.GetValue(CommonOptions.Set) ?? [];
            if (SweepExecution.NeedsStudy(sweep))
            {
                var count = result.GetValue(workers);
                var workerStyle = (cake ? SweepCommandStyle.Cake with { Program = ["dotnet", "cake", "--target=Sweep"] } : SweepCommandStyle.Imdbx with { Program = ["imdbx", "sweep"] })
                    with { Overrides = overrides };
                var workerEntries = SweepPlanWriter.WorkerEntries(count, context.Spec, experiment, workerStyle);
                Console.Write(result.GetValue(CommonOptions.Json) ? SweepPlanWriter.ToWorkerJson(workerEntries, experiment) : SweepPlanWriter.ToShell(workerEntries));
                return Task.FromResult(0);
            }

            var pending = SweepPlanner.Plan(context.Spec)
                .Where(trial => SweepExecution.Finished(context, trial) is null)
                .ToArray();
            var commandStyle = cake
                ? SweepCommandStyle.Cake with { Program = ["dotnet", "cake", "--target=Evaluate"] }
                : SweepCommandStyle.Imdbx with { Program = ["imdbx", "evaluate"] };
            var entries = SweepPlanWriter.Entries(pending, experiment, commandStyle with { Overrides = overrides });
            Console.Write(result.GetValue(CommonOptions.Json) ? SweepPlanWriter.ToJson(entries, experiment) + "\n" : SweepPlanWriter.ToShell(entries));
            return Task.FromResult(0);
        }));
        return command;
    }

    static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var parallel = result.GetValue(Parallel);
        var spawned = result.GetValue(SpawnedWorker);
        var context = StageCommands.CreateContext(result);
        var sets = result.GetValue(CommonOptions.Set) ?? [];
        var extraSets = new List<string>();
        if (parallel is { } n && !spawned && context.Spec.Spec.Training.Threads is null)
        {
            // The cores split between the trials, as if given with --set: it is part of each trial's spec (and its params).
            extraSets.Add(string.Create(CultureInfo.InvariantCulture, $"training.threads={SweepExecution.TrialThreads(n, Environment.ProcessorCount)}"));
            context = context with { Spec = SpecLoader.Load(context.Spec.SourcePath, [.. sets, .. extraSets]) };
        }

        var output = new Lock();
        void Print(string line)
        {
            lock (output) Console.Out.WriteLine(line);
        }
        var options = new SweepExecutionOptions { Parallel = parallel ?? 1, Worker = result.GetValue(Worker) || spawned, Output = Print };

        SweepExecutionResult run;
        if (spawned)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            SweepWorkerProcess.StopWhenInputEnds(Console.OpenStandardInput(), stop);
            try
            {
                run = await SweepExecution.RunAsync(context with { Progress = NoProgressDisplay.Instance }, options with { Parallel = 1 }, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !CliCancellation.Requested)
            {
                Console.Error.WriteLine("imdbx: worker stopped by its sweep");
                return CliErrors.Cancelled;
            }
        }
        else if (options.Parallel > 1)
        {
            var (program, prefix) = SelfCommand();
            var arguments = (IReadOnlyList<string>)[.. prefix, .. Environment.GetCommandLineArgs().Skip(1), .. extraSets.SelectMany(s => new[] { "--set", s }), SpawnedWorker.Name];
            run = await SweepExecution.RunParallelAsync(context, options,
                (i, ct) => SweepWorkerProcess.RunAsync(program, arguments, string.Create(CultureInfo.InvariantCulture, $"[w{i}] "), Print, ct), cancellationToken);
            foreach (var failure in run.WorkerFailures)
                Console.Error.WriteLine("imdbx: " + failure.Describe());
        }
        else
        {
            run = await SweepExecution.RunAsync(context, options, cancellationToken);
        }

        if (!run.ParentEnded)
            return run.Summary.Trials.Any(t => t.Result.Status == TrialStatus.Failed) ? CliErrors.Failed : 0;
        AnsiConsole.Write(SweepTable.Build(run.Summary));
        if (run.Summary.Best is { } best)
            Console.WriteLine($"best      {best.Trial.Name}  {string.Join(" ", best.Trial.Overrides.Select(o => $"{o.Key}={o.Value}"))}");
        return run.WorkersFailed > 0 || run.Summary.Trials.Any(t => t.Result.Status == TrialStatus.Failed) ? CliErrors.Failed : 0;
    }

    /// <summary>How to start this program again: its apphost, or dotnet with its dll.</summary>
    static (string Program, string[] Prefix) SelfCommand()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown; run the sweep without --parallel.");
        return Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? (host, [typeof(SweepCommands).Assembly.Location])
            : (host, []);
    }
}
