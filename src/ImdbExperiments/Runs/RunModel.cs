using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Runs;

/// <summary>
/// The run's best model as an MLflow 3 LoggedModel: the train stage's Hugging Face folder packaged as MLflow's
/// transformers flavor (<c>mlflow-model/</c> in the run folder), with the spec's model, tokenizer and training params,
/// and the validation metrics it was chosen by, on the validation dataset the run logged.
/// </summary>
public static class RunModel
{
    public const string PackageFolder = "mlflow-model";

    /// <summary>Tag of the LoggedModel: the train stage key it was built by (the same key is one model, however often it is re-run).</summary>
    public const string TrainKeyTag = "imdbx.train_key";

    const string TrainKeyMarker = ".imdbx-train-key";

    static readonly string[] ParamSections = ["model.", "tokenizer.", "training.", "seed"];

    /// <summary>Packages the run folder's model/ and describes the LoggedModel to create from it.</summary>
    public static LoggedModelRequest Prepare(string runFolder, string runName, ResolvedSpec spec, StageOutput train,
        IReadOnlyList<Metric> chosenBy, DatasetInput? validation)
    {
        var package = Path.Combine(runFolder, PackageFolder);
        // A re-run of the same trained model leaves the package (and the MLmodel the sender wrote) as it is; another
        // model in the same run folder (a fixed tracking.run_name) is packaged afresh. The marker is hidden, so not uploaded.
        var marker = Path.Combine(package, TrainKeyMarker);
        if (!File.Exists(marker) || File.ReadAllText(marker) != train.Key)
        {
            MlflowModelFile.Package(Path.Combine(runFolder, TrainStage.ModelFolder), package);
            File.WriteAllText(marker, train.Key);
        }
        var parameters = spec.Flatten()
            .Where(pair => ParamSections.Any(section => pair.Key.StartsWith(section, StringComparison.Ordinal)))
            .Select(pair => new Param(pair.Key, pair.Value))
            .ToList();
        IReadOnlyList<RunTag> tags = [new(TrainKeyTag, train.Key), new("imdbx.spec_hash", spec.Hash)];
        // The run's output names the model at the step it was chosen at, the step of the metrics it carries.
        var step = chosenBy.Select(metric => metric.Step).DefaultIfEmpty(0).Max();
        return new LoggedModelRequest(train.Key, runName, package, parameters, tags, chosenBy, validation?.Name, validation?.Digest, Step: step);
    }
}
