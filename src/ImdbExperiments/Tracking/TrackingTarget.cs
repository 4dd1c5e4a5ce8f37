namespace ImdbExperiments.Tracking;

/// <summary>
/// Where a command tracks: the one rule every command (train, evaluate, predict, sweep, compare, report, sync) resolves.
/// The store is the spec's tracking.uri, else MLFLOW_TRACKING_URI, else <see cref="TrackingUri.Default"/>; the experiment
/// is the spec's tracking.experiment, else MLFLOW_EXPERIMENT_NAME, else the spec's name (MLflow's "Default" without a spec).
/// </summary>
/// <param name="Uri">normalized (<see cref="TrackingUri.Normalize"/>): file URIs absolute, no user info</param>
public sealed record TrackingTarget(string Uri, string Experiment)
{
    public const string ExperimentVariable = "MLFLOW_EXPERIMENT_NAME";

    public static TrackingTarget Resolve(string? specUri, string? specExperiment, string? specName,
        Func<string, string?>? getEnvironmentVariable = null, string? baseDirectory = null)
    {
        var environment = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        var uri = TrackingUri.Normalize(TrackingUri.Resolve(specUri, environment), baseDirectory);
        var experiment = FirstNonEmpty(specExperiment, environment(ExperimentVariable), specName) ?? MlflowFileStore.DefaultExperimentName;
        return new TrackingTarget(uri, experiment.Trim());
    }

    /// <summary>The target of a set of tracking options (what a run started with them logs to).</summary>
    public static TrackingTarget Of(TrackingOptions options) =>
        Resolve(options.TrackingUri, options.ExperimentName, options.DefaultExperimentName, options.GetEnvironmentVariable, options.BaseDirectory);

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
