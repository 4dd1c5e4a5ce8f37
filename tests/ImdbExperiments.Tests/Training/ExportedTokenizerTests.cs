using ImdbExperiments.Tests.Runs;
using System.Text.Json.Nodes;
using ImdbExperiments.Runs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Text;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

/// <summary>The trained folder's tokenizer_config.json says how training tokenized, and prediction from the folder alone follows it.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class ExportedTokenizerTests
{
    [Fact]
    public async Task PredictFromTrainedFolder_TokenizesExactlyAsTraining_ForTailTruncationCasedAndShortLength()
    {
        using var project = new TempFolder();
        var context = RunDatasetsTests.Context(project,
            "tokenizer.truncation=tail", "tokenizer.lowercase=false", "tokenizer.max_length=24", "tokenizer.strip_html=false", "tracking.enabled=false");
        var run = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        var folder = run.Train.PathOf(TrainStage.ModelFolder);

        // Hugging Face's own keys where BertTokenizer has them.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, TokenizerConfigFile.FileName)))!;
        Assert.False((bool)config["do_lower_case"]!);
        Assert.Equal(24, (int)config["model_max_length"]!);
        Assert.Equal("left", (string)config["truncation_side"]!);
        Assert.Equal("tail", (string)config["imdbx_truncation"]!);
        Assert.False((bool)config["imdbx_strip_html"]!);

        using var predictor = SentimentPredictor.Load(folder, new SentimentPredictorOptions());
        var trained = TokenizeStage.EncoderOptions(context.Spec.Spec.Tokenizer, lowercase: false);
        Assert.Equal((trained.Lowercase, trained.MaxLength, trained.Truncation, trained.HeadTokens, trained.StripHtml),
            (predictor.Encoder.Options.Lowercase, predictor.Encoder.Options.MaxLength, predictor.Encoder.Options.Truncation, predictor.Encoder.Options.HeadTokens, predictor.Encoder.Options.StripHtml));

        // Same ids as the tokenize stage's encoder for a long, cased text with a line break.
        var text = string.Join(' ', Enumerable.Repeat("Great Movie<br />but the END was bad", 12));
        var training = WordPieceEncoder.Load(Path.Combine(folder, "vocab.txt"), trained);
        Assert.Equal(training.Encode(text), predictor.Encoder.Encode(text));
    }
}
