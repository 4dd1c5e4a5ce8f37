using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx predict</c>: sentiment of raw texts, like Hugging Face's sentiment pipeline: a label and its score per text.
/// The model is a fine-tuned Hugging Face folder (--model), or the one an experiment trains (--experiment, trained if needed),
/// whose tokenizer settings are then used exactly as in training.
/// </summary>
static class PredictCommand
{
    public static Command Create()
    {
        var model = ModelResolution.ModelOption();
        var experiment = ModelResolution.ExperimentOption();
        var texts = new Option<string[]>("--text") { Description = "A text to score (repeatable)." };
        var file = new Option<string?>("--file") { Description = "A file of texts, one per line ('-' for standard input)." };
        var maxLength = ModelResolution.MaxLengthOption();
        var batchSize = CheckedOptions.Int("--batch-size", 1, 4096, 64, "Texts per batch.");
        var precision = ModelResolution.PrecisionOption();
        var command = new Command("predict", "Print the sentiment label and score of each text.")
        {
            model, experiment, CommonOptions.Set, texts, file, maxLength, batchSize, precision, CommonOptions.Json, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var inputs = PredictInputs.Read(result.GetValue(texts) ?? [], result.GetValue(file));
            if (inputs.Count == 0) throw new ArgumentException("Nothing to score: give --text \"...\" (repeatable) or --file reviews.txt.");

            var (folder, options) = await ModelResolution.ResolveAsync(result, model, experiment,
                new SentimentPredictorOptions { BatchSize = result.GetValue(batchSize), MaxLength = result.GetValue(maxLength), Precision = result.GetValue(precision) ?? InferencePrecision.Auto },
                cancellationToken);
            using var predictor = SentimentPredictor.Load(folder, options);
            // On standard error, so that the scores on standard output stay one line per text.
            Console.Error.WriteLine($"imdbx predict: {predictor.Precision.Name} ({predictor.Precision.Reason})");
            var predictions = predictor.Predict(inputs, cancellationToken: cancellationToken);
            var json = result.GetValue(CommonOptions.Json);
            for (var i = 0; i < inputs.Count; i++)
            {
                var p = predictions[i];
                Console.WriteLine(json
                    ? new JsonObject { ["text"] = inputs[i], ["label"] = p.Label, ["score"] = p.Score, ["probabilities"] = Probabilities(predictor.Labels, p) }.ToJsonString()
                    : string.Create(CultureInfo.InvariantCulture, $"{p.Label,-9} {p.Score:0.0000}  {Preview(inputs[i])}"));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Every class's probability by its id2label name, as the scoring server answers.</summary>
    static JsonObject Probabilities(IReadOnlyList<string> labels, SentimentPrediction p)
    {
        var probabilities = new JsonObject();
        for (var k = 0; k < p.Probabilities.Count && k < labels.Count; k++)
            probabilities[labels[k]] = p.Probabilities[k];
        return probabilities;
    }

    static string Preview(string text) => text.Length <= 70 ? text : text[..67] + "...";
}
