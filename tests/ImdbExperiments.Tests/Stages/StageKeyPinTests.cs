using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Stages;

/// <summary>
/// Stage keys that caches on disk already hold: a refactor of how a stage states its inputs must leave every one of them
/// a cache hit. The expected keys were printed by <see cref="Pipeline.KeyOf"/> on the code before typed stage inputs
/// (commit 0a0dc4e, where each stage built its key JSON from context.Spec.Subset), and are pasted here unchanged.
/// </summary>
public sealed class StageKeyPinTests
{
    static readonly string[] Stages = ["fetch", "ingest", "split", "model", "tokenize", "train", "evaluate"];

    [Fact]
    public void SmokeSpec_KeepsTheKeysOfCachesBuiltBeforeTypedInputs() =>
        AssertKeys(Keys(SmokeSpec(), []), new Dictionary<string, string>
        {
            ["fetch"] = "c235e54ded44c0ca63992103325036292db451acbce96486babf22dfb39926f8",
            ["ingest"] = "3d69926bb0a699041dd59eb569d62b3a2a51de8826b97e8b45ee16b3f33d3a1d",
            ["split"] = "b626a2af0bac083b80a6199736266a6828538eb2ff96bf2c466f21cddd338522",
            ["model"] = "c8c40918b8fceb768f2387081002ce58e7df0775bb9feb6b25d0db85a1738224",
            ["tokenize"] = "1b217d6ef7496837b1c39ec85a536e731a79f39d7a2057cd0404019c3e6c050e",
            ["train"] = "771693efa12d6aefb34130c80f5dad859177dc23d050a70365843dcaf37ca921",
            ["evaluate"] = "f415c10dd886443bfc5254f9021007093a282f67e2ec342307b1577d8a169d33",
        });

    [Fact]
    public void TarballSpecWithHubModel_KeepsTheKeysOfCachesBuiltBeforeTypedInputs() =>
        AssertKeys(Keys(SmokeSpec(), ["data.source=imdb", "model.init=pretrained", "model.name=prajjwal1/bert-tiny", "model.num_labels=2",
            "data.split_method=datasets", "data.target=rating", "data.limit.train=100"]), new Dictionary<string, string>
        {
            ["fetch"] = "a4b5ac78408ef8e331997fba96d77d566ffd5c4fb89774723e7e841b4c776f0a",
            ["ingest"] = "4851bd41f6bdbf56525905a7f65b1cf7d00439c3c61f2d9f140fa7ddfb374d7b",
            ["split"] = "3f79fab45360d870abd65418579ad3d9955f23d3bf2d709f4b84f07b67b05561",
            ["model"] = "999c9ac6653ef8ed4303505bb00e127d8836c1d6b2cb6ab7e0294b44526094d8",
            ["tokenize"] = "5c43986b34b32856055390a17ddcd68e515cca083f9ca92b11ca4a369ddb4be6",
            ["train"] = "5178fc3f9a105d190f4b4000fe4e286336468807a4a0c9d877e4887ea490c32f",
            ["evaluate"] = "2c41621266ab696961eff841b773da79fb7e929ca1872db79aeb23ad87a8cc85",
        });

    [Fact]
    public void TableFilesSpec_KeepsTheKeysOfCachesBuiltBeforeTypedInputs()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.Combine("reviews.csv"), "text,label\ngood film,pos\nbad film,neg\n");
        File.WriteAllText(folder.Combine("test.jsonl"), "{\"text\":\"fine\",\"label\":\"pos\"}\n");
        var carved = Keys(SmokeSpec(), ["data.source=files", $"data.files.train={folder.Combine("reviews.csv")}", "data.on_bad_row=skip"]);
        var separate = Keys(SmokeSpec(), ["data.source=files", $"data.files.train={folder.Combine("reviews.csv")}", $"data.files.test={folder.Combine("test.jsonl")}"]);
        AssertKeys(carved, new Dictionary<string, string>
        {
            ["fetch"] = "33d55c381537d40edc8879fbab074792845ba8ef818aa5e20f1d5569adb86c7a",
            ["ingest"] = "0167b1812a0a652bc85d73ed1d9b085e7cbf7056876eed9d83b2ab97f3f6e11c",
            ["split"] = "f5ec78c01ceb85cec094e384dc6594dac2c7b24afd0c88b4c55681311c863a1b",
            ["model"] = "09fbeaf457457bcb17a4d081c14ab2e5ed6bea485bce639c3052669c1bd94126",
            ["tokenize"] = "101a94a81f5507724ac9181708ef42c0317484102be85089ee7b7107bd0d6e7b",
            ["train"] = "e9f33a1e559c6a89fd6081cef919dd7bbf0cbc995eb0c4ebd8377658425e4253",
            ["evaluate"] = "c1de7912e402d5a4cae603aeb7773b2e5d6a9293b438cbfd4dad90203b651414",
        });
        AssertKeys(separate, new Dictionary<string, string>
        {
            ["fetch"] = "976514928ff6b6ef188a7a4bcf429ca426a26f7b69dc3dc6cae5d227bd3a5947",
            ["ingest"] = "b34ef1236ec6c808981f7da7617180a07d5448b4e06478eb037b23f8595cf56c",
            ["split"] = "a45c60cf368ce186045cbe3551ccb18a2113e67e49f1676346a628a1794203d3",
            ["model"] = "9c61e2757a5b8149f7a9442c740767c71801f9d4f303099674e7614d0f39269a",
            ["tokenize"] = "ce008f6fef575ac11b2ecda1b824c6faf320038400198b94be9dc5aaa4534b3e",
            ["train"] = "38de70c634d33e4df57843cf0a84fd834fef3c45742ca3fd5733a5415eb84235",
            ["evaluate"] = "ec0c467b620a615fddeede0f861ac331e3482a4ff78aa1c5af37184134a1f206",
        });
    }

    static string SmokeSpec()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "build.cake")))
            folder = folder.Parent;
        return Path.Combine(folder?.FullName ?? throw new InvalidOperationException("build.cake not found above the test folder"), "experiments", "smoke.yaml");
    }

    static Dictionary<string, string> Keys(string specPath, string[] overrides)
    {
        using var artifacts = new TempFolder();
        var spec = SpecLoader.Load(specPath, overrides, Path.GetDirectoryName(specPath));
        var context = new PipelineContext
        {
            Spec = spec,
            Cache = new StageCache(artifacts.Combine("cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts.Path,
            Environment = _ => null,
        };
        var pipeline = new Pipeline(PipelineStages.Create(), context);
        return Stages.ToDictionary(s => s, pipeline.KeyOf);
    }

    static void AssertKeys(Dictionary<string, string> actual, Dictionary<string, string> expected)
    {
        Assert.Equal(expected, actual);
    }
}
