using Google.Protobuf;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

public sealed class OnnxBertImporterTests
{
    /// <summary>Writes a ModelProto with float initializers and nodes (op, inputs, outputs) in onnx.proto's wire format.</summary>
    internal static string WriteOnnx(string path, (string Name, long[] Dims, float[] Values)[] initializers, (string Op, string[] Inputs, string[] Outputs)[] nodes)
    {
        static byte[] Message(Action<CodedOutputStream> write)
        {
            using var memory = new MemoryStream();
            var output = new CodedOutputStream(memory);
            write(output);
            output.Flush();
            return memory.ToArray();
        }

        var graph = Message(g =>
        {
            foreach (var (op, inputs, outputs) in nodes)
            {
                g.WriteTag(1, WireFormat.WireType.LengthDelimited);   // GraphProto.node
                g.WriteBytes(ByteString.CopyFrom(Message(n =>
                {
                    foreach (var i in inputs) { n.WriteTag(1, WireFormat.WireType.LengthDelimited); n.WriteString(i); }
                    foreach (var o in outputs) { n.WriteTag(2, WireFormat.WireType.LengthDelimited); n.WriteString(o); }
                    n.WriteTag(4, WireFormat.WireType.LengthDelimited); n.WriteString(op);
                })));
            }
            foreach (var (name, dims, values) in initializers)
            {
                g.WriteTag(5, WireFormat.WireType.LengthDelimited);   // GraphProto.initializer
                g.WriteBytes(ByteString.CopyFrom(Message(t =>
                {
                    foreach (var d in dims) { t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt64(d); }
                    t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt32(1);              // FLOAT
                    t.WriteTag(8, WireFormat.WireType.LengthDelimited); t.WriteString(name);
                    t.WriteTag(9, WireFormat.WireType.LengthDelimited);
                    t.WriteBytes(ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()));
                })));
            }
        });
        File.WriteAllBytes(path, Message(m =>
        {
            m.WriteTag(1, WireFormat.WireType.Varint); m.WriteInt64(7);                     // ir_version
            m.WriteTag(7, WireFormat.WireType.LengthDelimited); m.WriteBytes(ByteString.CopyFrom(graph));
        }));
        return path;
    }

    [Fact]
    public void MatMulWeight_IsNamedByItsBiasAndTransposed()
    {
        using var temp = new TempFolder();
        var path = WriteOnnx(temp.Combine("m.onnx"),
            [("917", [2, 3], [1, 2, 3, 4, 5, 6]), ("encoder.layer.0.intermediate.dense.bias", [3], [0, 0, 0])],
            [("MatMul", ["x", "917"], ["y"]), ("Add", ["encoder.layer.0.intermediate.dense.bias", "y"], ["z"])]);

        var weights = OnnxBertImporter.NameWeights(OnnxGraph.Read(path), path);

        var weight = weights["encoder.layer.0.intermediate.dense.weight"];
        Assert.Equal(new long[] { 3, 2 }, weight.shape);   // [out, in]
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, weight.data<float>().ToArray());
        Assert.Equal(2, weights.Count);
    }

    [Fact]
    public void UnmatchedWeights_AreListedInTheError()
    {
        using var temp = new TempFolder();
        var path = WriteOnnx(temp.Combine("m.onnx"),
            [("embeddings.word_embeddings.weight", [2, 2], [1, 2, 3, 4]), ("555", [2, 2], [1, 2, 3, 4]), ("556", [3], [1, 2, 3])],
            [("MatMul", ["x", "555"], ["y"])]);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(path, "unused-vocab.txt", temp.Combine("out")));

        Assert.Contains("555 [2, 2]", error.Message);
        Assert.Contains("556 [3]", error.Message);
        Assert.Contains(path, error.Message);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public void NotAnOnnxFile_IsAClearError()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("m.onnx");
        File.WriteAllBytes(path, [0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);

        var error = Assert.Throws<InvalidDataException>(() => OnnxBertImporter.Import(path, "unused-vocab.txt", temp.Combine("out")));

        Assert.Contains(path, error.Message);
    }
}
