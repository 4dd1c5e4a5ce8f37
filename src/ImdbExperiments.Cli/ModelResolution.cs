using System.CommandLine;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// The one rule for which model a scoring command uses (predict, serve): a fine-tuned Hugging Face folder (--model), or
/// the one an experiment trains (--experiment, trained if needed), whose tokenizer settings are then used exactly as in training.
/// </summary>
static class ModelResolution
{
    public static Option<string?> ModelOption() =>
        new("--model") { Description = "A fine-tuned Hugging Face model folder (config.json, vocab.txt, model.safetensors), or a run folder (its model/)." };

    public static Option<string?> ExperimentOption() =>
        new("--experiment", "-e") { Description = "Use the model this experiment trains (and its tokenizer settings)." };

    /// <summary>--precision of predict and serve: inference's own choice, not the training precision (a bf16-trained model scores fine in fp32).
    /// Null when not given, so that help states the default as typed ("auto"), not as the enum's member name ("Auto").</summary>
    public static Option<InferencePrecision?> PrecisionOption() =>
        CheckedOptions.Choice<InferencePrecision?>("--precision", null, "auto (bf16 where the CPU has avx512_bf16 or amx_bf16, else fp32), fp32 or bf16 (default: auto).",
            ("auto", InferencePrecision.Auto), ("fp32", InferencePrecision.Fp32), ("bf16", InferencePrecision.Bf16));

    /// <summary>--max-length of predict and serve, within tokenizer.max_length's range (the model's own limit is checked when it loads).</summary>
    public static Option<int?> MaxLengthOption() =>
        CheckedOptions.OptionalInt("--max-length", 2, 8192, "Tokens per text including [CLS]/[SEP] (default: the experiment's, else the model's limit).");

    /// <summary>The model folder and <paramref name="options"/> completed with the experiment's tokenization.</summary>
    public static async Task<(string Folder, SentimentPredictorOptions Options)> ResolveAsync(
        ParseResult result, Option<string?> model, Option<string?> experiment, SentimentPredictorOptions options, CancellationToken cancellationToken)
    {
        if (result.GetValue(model) is { } modelFolder)
            return (ModelFolderOf(UserFile.RequireDirectory(modelFolder, "--model")), options);
        if (result.GetValue(experiment) is null)
            throw new ArgumentException("Say which model: --model <folder> or --experiment <spec>.");

        var context = StageCommands.CreateContext(result, experiment) with { Log = Console.Error };
        // A model not trained yet is trained as a recorded run, exactly as the Train target would.
        var train = new Pipeline(PipelineStages.Create(), context with { Log = TextWriter.Null }).TryGetCached("train")
                    ?? (await ExperimentRun.RunAsync(context, evaluate: false, cancellationToken)).Train;
        return (train.PathOf(TrainStage.ModelFolder), FromSpec(SpecCommands.LoadSpec(result, experiment).Spec, options));
    }

    /// <summary>A run folder (artifacts/runs/&lt;run&gt;/) stands for its model/; its tokenizer_config.json records the training tokenization.</summary>
    static string ModelFolderOf(string folder)
    {
        var runModel = Path.Combine(folder, TrainStage.ModelFolder);
        return !File.Exists(Path.Combine(folder, "config.json")) && File.Exists(Path.Combine(runModel, "config.json")) ? runModel : folder;
    }

    /// <summary>The tokenization the experiment trained with.</summary>
    static SentimentPredictorOptions FromSpec(ExperimentSpec spec, SentimentPredictorOptions options) => options with
    {
        MaxLength = options.MaxLength ?? spec.Tokenizer.MaxLength,
        Truncation = TokenizeStage.Truncation(spec.Tokenizer.Truncation),
        HeadTokens = spec.Tokenizer.HeadTokens,
        StripHtml = spec.Tokenizer.StripHtml,
        Lowercase = spec.Tokenizer.Lowercase,
        Device = spec.Training.Device,
    };
}
