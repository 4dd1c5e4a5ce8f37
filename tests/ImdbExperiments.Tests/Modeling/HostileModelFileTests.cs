using System.Buffers.Binary;
using System.Text;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>What a hostile model folder did, each answered by one clear line that names the user's file.</summary>
public sealed class HostileModelFileTests
{
    internal static string WriteSafetensors(string path, string header, int dataBytes = 0)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        using var file = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        file.Write(length);
        file.Write(headerBytes);
        file.Write(new byte[dataBytes]);
        return path;
    }

    // 2^62 F32 elements: the element count fits 64 bits, the byte count (2^64) wraps to 0 and matched the empty offsets.
    // safetensors/src/tensor.rs validate() multiplies elements by the dtype size with checked_mul (ValidationOverflow); so do we.
    [Fact]
    public void Safetensors_ShapeWhoseByteCountOverflows64Bits_NamesFileAndTensor()
    {
        using var temp = new TempFolder();
        var path = WriteSafetensors(temp.Combine("model.safetensors"),
            """{"big":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}""");

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path, "my-bert/model.safetensors"));

        Assert.Contains("my-bert/model.safetensors", error.Message);
        Assert.Contains("\"big\"", error.Message);
        Assert.Contains("64 bits", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Safetensors_HeaderThatIsNotAnObject_IsRefusedAsUpstreamDoes()
    {
        using var temp = new TempFolder();
        var path = WriteSafetensors(temp.Combine("model.safetensors"), """ {"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""");

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadShapes(path));

        Assert.Contains("does not start with '{'", error.Message);
    }

    [Fact]
    public void Safetensors_DuplicateTensorName_IsAClearError()
    {
        using var temp = new TempFolder();
        var path = WriteSafetensors(temp.Combine("model.safetensors"),
            """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", dataBytes: 2);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void LibTorchError_BecomesOneLineNamingWhatWasLoaded()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            LibTorchErrors.Guard("my-bert/model.safetensors: tensor \"w\"", () => zeros(2, 3).view(7)));

        Assert.StartsWith("my-bert/model.safetensors: tensor \"w\": libtorch refused it: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("frame #", error.Message);
    }

    [Fact]
    public void Onnx_InitializerWhoseDimsClaimMoreThanItsBytes_FailsBeforeAllocating()
    {
        using var temp = new TempFolder();
        var path = OnnxBertImporterTests.WriteOnnx(temp.Combine("m.onnx"),
            [("embeddings.word_embeddings.weight", [1L << 40, 1L << 20], [1, 2])], []);
        var vocab = TinyBert.WriteVocab(temp.Path);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(path, vocab, temp.Combine("out")));

        Assert.Contains("embeddings.word_embeddings.weight", error.Message);
        Assert.Contains("8 bytes", error.Message);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public void Onnx_MatMulWithoutOutput_IsSkippedNotACrash()
    {
        using var temp = new TempFolder();
        var path = OnnxBertImporterTests.WriteOnnx(temp.Combine("m.onnx"),
            [("917", [2, 2], [1, 2, 3, 4])], [("MatMul", ["x", "917"], [])]);
        var vocab = TinyBert.WriteVocab(temp.Path);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(path, vocab, temp.Combine("out")));

        Assert.Contains("917 [2, 2]", error.Message);
    }

    [Fact]
    public void Onnx_HugeLayerIndex_IsAClearError()
    {
        using var temp = new TempFolder();
        var path = OnnxBertImporterTests.WriteOnnx(temp.Combine("m.onnx"),
            [("embeddings.word_embeddings.weight", [2, 2], [1, 2, 3, 4]), ("encoder.layer.99999999999.output.dense.bias", [2], [0, 0])], []);
        var vocab = TinyBert.WriteVocab(temp.Path);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(path, vocab, temp.Combine("out")));

        Assert.Contains("99999999999", error.Message);
    }

    [Fact]
    public void ClassifierShapes_AreTheModulesOwnStateDictShapes()
    {
        using var model = new BertForSequenceClassification(TinyBert.Config with { Labels = ["a", "b", "c"] });
        var own = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);

        var computed = BertCheckpointLoader.ClassifierShapes(TinyBert.Config with { Labels = ["a", "b", "c"] });

        Assert.Equal(own.Keys.Order(StringComparer.Ordinal), computed.Keys.Order(StringComparer.Ordinal));
        Assert.All(own, p => Assert.Equal(p.Value, computed[p.Key]));
        Assert.Equal(own.Values.Sum(s => s.Aggregate(1L, (n, d) => n * d)), (TinyBert.Config with { Labels = ["a", "b", "c"] }).ParameterCount());
    }
}
