using System.Diagnostics;
using ImdbExperiments.Caching;

namespace ImdbExperiments.Stages;

/// <summary>
/// Runs a stage after the stages it reads from, each through the cache: a stage whose key is already
/// published is not run again. Every stage reports one status line.
/// </summary>
public sealed class Pipeline
{
    readonly Dictionary<string, Stage> stages;
    readonly PipelineContext context;
    readonly Dictionary<string, StageOutput> done = new(StringComparer.Ordinal);

    public Pipeline(IEnumerable<Stage> stages, PipelineContext context)
    {
        this.stages = stages.ToDictionary(s => s.Name, StringComparer.Ordinal);
        this.context = context;
        foreach (var forced in context.Force)
            if (!this.stages.ContainsKey(forced))
                throw new ArgumentException($"--force={forced}: no such stage. Stages: {string.Join(", ", this.stages.Keys)}.");
    }

    public Stage this[string name] => stages.TryGetValue(name, out var stage)
        ? stage
        : throw new ArgumentException($"No stage named '{name}'. Stages: {string.Join(", ", stages.Keys)}.");

    /// <summary>The published output of <paramref name="name"/>, building it (and what it reads from) when missing.</summary>
    public async Task<StageOutput> RunAsync(string name, CancellationToken cancellationToken)
    {
        if (done.TryGetValue(name, out var known)) return known;
        var stage = this[name];

        var upstream = new Dictionary<string, StageOutput>(StringComparer.Ordinal);
        foreach (var dependency in stage.UpstreamOf(context))
            upstream[dependency] = await RunAsync(dependency, cancellationToken);

        await stage.PrepareInputsAsync(context, cancellationToken);
        var request = new StageRequest(stage.Name, stage.FormatVersion, stage.Inputs(context),
            upstream.ToDictionary(p => p.Key, p => p.Value.Key, StringComparer.Ordinal));
        var stopwatch = Stopwatch.StartNew();
        var output = await context.Cache.GetOrBuildAsync(
            request,
            (build, ct) => stage.BuildAsync(context, build, upstream, ct),
            force: context.Force.Contains(name),
            onWait: message => context.Log.WriteLine($"{stage.Name,-9} waiting   {StageKey.Short(request.Key)}  {message}"),
            locks: context.Locks,
            onCorrupt: message => context.Log.WriteLine($"{stage.Name,-9} corrupt   {message}; rebuilding"),
            cancellationToken: cancellationToken);
        stopwatch.Stop();

        done[name] = output;
        context.Log.WriteLine(StageReport.Line(stage, output, stopwatch.Elapsed.TotalSeconds));
        LastSeconds = stopwatch.Elapsed.TotalSeconds;
        return output;
    }

    /// <summary>The published output of <paramref name="name"/> when it and everything it reads from are cached; nothing is built.</summary>
    public StageOutput? TryGetCached(string name)
    {
        if (done.TryGetValue(name, out var known)) return known;
        var stage = this[name];
        var upstream = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dependency in stage.UpstreamOf(context))
        {
            if (TryGetCached(dependency) is not { } output) return null;
            upstream[dependency] = output.Key;
        }
        return context.Cache.TryGet(stage.Name, new StageRequest(stage.Name, stage.FormatVersion, stage.Inputs(context), upstream).Key,
            message => context.Log.WriteLine($"{stage.Name,-9} corrupt   {message}"));
    }

    /// <summary>The cache key <paramref name="name"/> has for this spec, computed from the spec alone: nothing is built or read from the cache.</summary>
    public string KeyOf(string name)
    {
        var stage = this[name];
        var upstream = stage.UpstreamOf(context).ToDictionary(d => d, KeyOf, StringComparer.Ordinal);
        return new StageRequest(stage.Name, stage.FormatVersion, stage.Inputs(context), upstream).Key;
    }

    /// <summary>Wall time of the last stage this pipeline ran (for --json).</summary>
    public double LastSeconds { get; private set; }
}
