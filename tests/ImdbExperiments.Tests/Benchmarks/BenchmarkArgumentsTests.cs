using ImdbExperiments.Benchmarks;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class BenchmarkArgumentsTests
{
    [Fact]
    public void Lists_AreParsedInOrder_WithoutDuplicates()
    {
        Assert.Equal([BenchmarkModel.BertBase, BenchmarkModel.MiniLm], BenchmarkArguments.Models("bert-base, MiniLM,bert-base"));
        Assert.Equal([256, 128], BenchmarkArguments.Lengths("256,128,256"));
        Assert.Equal([TrainingPrecision.Bf16, TrainingPrecision.Fp32], BenchmarkArguments.Precisions("bf16,FP32"));
    }

    [Theory]
    [InlineData("models", "minilm,bert-large", "--models bert-large", "minilm, bert-base")]
    [InlineData("models", "", "--models \"\"", "minilm, bert-base")]
    [InlineData("lengths", "128,abc", "--lengths abc", "from 2 to 512")]
    [InlineData("lengths", "1024", "--lengths 1024", "from 2 to 512")]
    [InlineData("lengths", "128,", "--lengths \"128,\"", "from 2 to 512")]
    [InlineData("precisions", "fp16", "--precisions fp16", "fp32, bf16")]
    public void BadList_IsRejected_NamingOptionValueAndWhatIsAllowed(string option, string value, string named, string allowed)
    {
        Action parse = option switch
        {
            "models" => () => BenchmarkArguments.Models(value),
            "lengths" => () => BenchmarkArguments.Lengths(value),
            _ => () => BenchmarkArguments.Precisions(value),
        };

        var error = Assert.Throws<ArgumentException>(parse);

        Assert.StartsWith(named + " is not valid", error.Message);
        Assert.Contains(allowed, error.Message);
    }

    [Fact]
    public void DefaultOptions_AreBothModels_BothLengths_BothPrecisions_AndValid()
    {
        var options = new BenchmarkOptions();

        options.Validate();
        Assert.Equal(["minilm", "bert-base"], options.Models.Select(m => m.Name));
        Assert.Equal([128, 256], options.Lengths);
        Assert.Equal([TrainingPrecision.Fp32, TrainingPrecision.Bf16], options.Precisions);
        Assert.Equal((16, 3, 2048), (options.Batch, options.Steps, options.MatmulSize));
        Assert.Null(options.AttentionDropout);
    }

    [Fact]
    public void QuickRun_IsMiniLmAt16x128_Fp32_TwoSteps_SmallArchive_SmallCeiling()
    {
        var quick = BenchmarkOptions.QuickRun;

        Assert.True(quick.IsQuick);
        Assert.Equal([BenchmarkModel.MiniLm], quick.Models);
        Assert.Equal([128], quick.Lengths);
        Assert.Equal([TrainingPrecision.Fp32], quick.Precisions);
        Assert.Equal((16, 2, 1024), (quick.Batch, quick.Steps, quick.MatmulSize));
        Assert.True(quick.SyntheticReviewsPerLabel < new BenchmarkOptions().SyntheticReviewsPerLabel);
    }

    [Theory]
    [InlineData("--batch 0", "positive")]
    [InlineData("--steps 0", "positive")]
    [InlineData("--threads 0", "positive")]
    [InlineData("--attention-dropout 1", "[0, 1)")]
    [InlineData("--attention-dropout -0.1", "[0, 1)")]
    [InlineData("--lengths 64", "model tiny takes at most 32 tokens")]
    public void BadOptions_AreRejected_NamingOptionAndValue(string named, string allowed)
    {
        var tiny = new BenchmarkModel("tiny", "tiny", new BertConfig { HiddenSize = 32, NumAttentionHeads = 2, MaxPositionEmbeddings = 32 });
        var options = named switch
        {
            "--batch 0" => new BenchmarkOptions { Batch = 0 },
            "--steps 0" => new BenchmarkOptions { Steps = 0 },
            "--threads 0" => new BenchmarkOptions { Threads = 0 },
            "--attention-dropout 1" => new BenchmarkOptions { AttentionDropout = 1 },
            "--attention-dropout -0.1" => new BenchmarkOptions { AttentionDropout = -0.1 },
            _ => new BenchmarkOptions { Models = [tiny], Lengths = [16, 64] },
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.StartsWith(named + " is not valid", error.Message);
        Assert.Contains(allowed, error.Message);
    }
}
