using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Modeling.Hub;

public sealed class HubOptionsTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("hub-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private HubOptions FromEnvironment(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        environment.TryAdd("HOME", _home);
        return HubOptions.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void CacheDirectory_DefaultsToDotCacheHuggingfaceHubUnderHome() =>
        Assert.Equal(Path.Join(_home, ".cache", "huggingface", "hub"), FromEnvironment().CacheDirectory);

    [Fact]
    public void CacheDirectory_HonoursXdgCacheHome() =>
        Assert.Equal(Path.Join(_home, "xdg", "huggingface", "hub"), FromEnvironment(("XDG_CACHE_HOME", Path.Join(_home, "xdg"))).CacheDirectory);

    [Fact]
    public void CacheDirectory_HfHomeBeatsXdgCacheHome() =>
        Assert.Equal(
            Path.Join(_home, "hf", "hub"),
            FromEnvironment(("HF_HOME", Path.Join(_home, "hf")), ("XDG_CACHE_HOME", Path.Join(_home, "xdg"))).CacheDirectory);

    [Fact]
    public void CacheDirectory_HfHubCacheBeatsLegacyVariableAndHfHome()
    {
        Assert.Equal(
            Path.Join(_home, "new"),
            FromEnvironment(("HF_HUB_CACHE", Path.Join(_home, "new")), ("HUGGINGFACE_HUB_CACHE", Path.Join(_home, "old")), ("HF_HOME", _home)).CacheDirectory);
        Assert.Equal(Path.Join(_home, "old"), FromEnvironment(("HUGGINGFACE_HUB_CACHE", Path.Join(_home, "old"))).CacheDirectory);
    }

    [Fact]
    public void CacheDirectory_ExpandsTildeAndVariablesLikePython()
    {
        Assert.Equal(Path.Join(_home, "models", "hub"), FromEnvironment(("HF_HOME", "~/models")).CacheDirectory);
        Assert.Equal(
            Path.Join(_home, "data", "hub"),
            FromEnvironment(("HF_HUB_CACHE", "${DATA}/hub"), ("DATA", Path.Join(_home, "data"))).CacheDirectory);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("y", false)]
    [InlineData(" 1", false)]
    public void Offline_UsesHuggingfaceHubTruthyValues(string value, bool expected) =>
        Assert.Equal(expected, FromEnvironment(("HF_HUB_OFFLINE", value)).Offline);

    [Fact]
    public void Offline_FallsBackToTransformersOfflineOnlyWhenHfHubOfflineIsUnsetOrEmpty()
    {
        Assert.True(FromEnvironment(("TRANSFORMERS_OFFLINE", "1")).Offline);
        Assert.True(FromEnvironment(("HF_HUB_OFFLINE", ""), ("TRANSFORMERS_OFFLINE", "1")).Offline);
        Assert.False(FromEnvironment(("HF_HUB_OFFLINE", "0"), ("TRANSFORMERS_OFFLINE", "1")).Offline);
        Assert.False(FromEnvironment().Offline);
    }

    [Fact]
    public void Endpoint_DefaultsToHuggingfaceCoAndDropsTrailingSlash()
    {
        Assert.Equal("https://huggingface.co", FromEnvironment().Endpoint);
        Assert.Equal("https://mirror.example/hf", FromEnvironment(("HF_ENDPOINT", "https://mirror.example/hf/")).Endpoint);
    }

    [Fact]
    public void Token_HfTokenBeatsLegacyVariableAndTokenFile()
    {
        WriteTokenFile("hf_FromFile");

        var options = FromEnvironment(("HF_TOKEN", "hf_FromEnv"), ("HUGGING_FACE_HUB_TOKEN", "hf_Legacy"));

        Assert.Equal("hf_FromEnv", options.Token);
        Assert.Equal("HF_TOKEN", options.TokenSource);
        Assert.Equal("hf_Legacy", FromEnvironment(("HUGGING_FACE_HUB_TOKEN", "hf_Legacy")).Token);
    }

    [Fact]
    public void Token_IsReadTrimmedFromTokenFileUnderHfHome()
    {
        var path = WriteTokenFile("  hf_FromFile\r\n");

        var options = FromEnvironment();

        Assert.Equal("hf_FromFile", options.Token);
        Assert.Equal(path, options.TokenSource);
    }

    [Fact]
    public void Token_IsNotSentImplicitlyWhenDisabled()
    {
        WriteTokenFile("hf_FromFile");

        Assert.Null(FromEnvironment(("HF_TOKEN", "hf_FromEnv"), ("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")).Token);
    }

    [Fact]
    public void ToString_NeverShowsTheToken()
    {
        var text = FromEnvironment(("HF_TOKEN", "hf_VerySecret")).ToString();

        Assert.DoesNotContain("hf_VerySecret", text, StringComparison.Ordinal);
        Assert.Contains("Token = (set, from HF_TOKEN)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeouts_ComeFromEnvironmentWithZeroMeaningDefault()
    {
        var options = FromEnvironment(("HF_HUB_ETAG_TIMEOUT", "30"), ("HF_HUB_DOWNLOAD_TIMEOUT", "0"));

        Assert.Equal(TimeSpan.FromSeconds(30), options.MetadataTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReadTimeout);
        var error = Assert.Throws<ArgumentException>(() => FromEnvironment(("HF_HUB_ETAG_TIMEOUT", "soon")));
        Assert.Contains("HF_HUB_ETAG_TIMEOUT='soon'", error.Message, StringComparison.Ordinal);
    }

    private string WriteTokenFile(string content)
    {
        var path = Path.Join(_home, ".cache", "huggingface", "token");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
