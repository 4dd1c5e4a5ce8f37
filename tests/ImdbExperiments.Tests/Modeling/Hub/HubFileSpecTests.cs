using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Modeling.Hub;

public sealed class HubFileSpecTests
{
    [Fact]
    public void Parse_ReadsAlternativesAndOptionalMarker()
    {
        var spec = HubFileSpec.Parse("model.safetensors|pytorch_model.bin?");

        Assert.Equal(["model.safetensors", "pytorch_model.bin"], spec.Candidates);
        Assert.True(spec.Optional);
        Assert.Equal("model.safetensors|pytorch_model.bin?", spec.ToString());
        Assert.Equal(HubFileSpec.Parse("model.safetensors|pytorch_model.bin?"), spec);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?")]
    [InlineData("a||b")]
    public void Parse_RejectsEmptyNames(string text) => Assert.Throws<ArgumentException>(() => HubFileSpec.Parse(text));
}
