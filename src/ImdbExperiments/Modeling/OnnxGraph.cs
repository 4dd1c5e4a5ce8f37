using System.Buffers.Binary;
using Google.Protobuf;

namespace ImdbExperiments.Modeling;

/// <summary>An ONNX initializer or constant: name, dims, TensorProto data type and little-endian bytes.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, int DataType, byte[] Data)
{
    public const int Float = 1, Int32 = 6, Int64 = 7, Float16 = 10, Double = 11, BFloat16 = 16;

    /// <summary>The product of the dims, or -1 when a dim is negative or the product overflows 64 bits (a corrupt file).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
            {
                if (d < 0)
                    return -1;
                try
                {
                    n = checked(n * d);
                }
                catch (OverflowException)
                {
                    return -1;
                }
            }
            return n;
        }
    }

    public bool IsFloatingPoint => DataType is Float or Float16 or Double or BFloat16;

    /// <summary>The values as integers (INT64 or INT32 tensors, e.g. Reshape shapes).</summary>
    public long[]? AsInt64s() => DataType switch
    {
        Int64 => Enumerable.Range(0, Data.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(i * 8))).ToArray(),
        Int32 => Enumerable.Range(0, Data.Length / 4).Select(i => (long)BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(i * 4))).ToArray(),
        _ => null,
    };

    /// <summary>The value of a one-element float tensor (e.g. LayerNorm's epsilon).</summary>
    public double? AsScalar() => (DataType, Data.Length) switch
    {
        (Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(Data),
        (Double, 8) => BinaryPrimitives.ReadDoubleLittleEndian(Data),
        _ => null,
    };
}

/// <summary>An ONNX node: its operator, its value names in and out, and the attributes this importer reads.</summary>
internal sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long> IntAttributes, IReadOnlyDictionary<string, OnnxTensor> TensorAttributes);

/// <summary>
/// The part of an ONNX ModelProto that a weight importer needs: graph.initializer and graph.node.
/// Parsed straight off the protobuf wire format (field numbers from onnx/onnx.proto), no generated classes.
/// </summary>
internal sealed class OnnxGraph
{
    // onnx.proto field numbers.
    private const int ModelGraph = 7;
    private const int GraphNode = 1, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttributeName = 1, AttributeInt = 3, AttributeTensor = 5;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorInt32Data = 5, TensorInt64Data = 7,
        TensorName = 8, TensorRawData = 9, TensorDoubleData = 10, TensorDataLocation = 14;

    private const long MaxFileBytes = int.MaxValue;

    private OnnxGraph(Dictionary<string, OnnxTensor> initializers, List<OnnxNode> nodes)
    {
        Initializers = initializers;
        Nodes = nodes;
    }

    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }
    public IReadOnlyList<OnnxNode> Nodes { get; }

    public static OnnxGraph Read(string path)
    {
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
                throw new InvalidDataException($"{path}: {new FileInfo(path).Length:N0} bytes; an ONNX model with its weights inside is at most 2 GiB (protobuf's limit).");
            var input = new CodedInputStream(File.ReadAllBytes(path));
            CodedInputStream? graph = null;
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == ModelGraph && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                    graph = input.ReadBytes().CreateCodedInput();
                else
                    input.SkipLastField();
            }
            if (graph is null)
                throw new InvalidDataException($"{path}: the ONNX model has no graph.");
            return ReadGraph(graph, path);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message}).", e);
        }
        catch (Exception e) when (e is OutOfMemoryException or OverflowException)
        {
            // A length or count in the file claims more than this process can hold.
            throw new InvalidDataException($"{path}: not a readable ONNX model (a length in the file is impossibly large: {e.Message}).", e);
        }
    }

    /// <summary>The constant behind a value name: an initializer or a Constant node's output.</summary>
    public OnnxTensor? Constant(string name)
    {
        if (Initializers.TryGetValue(name, out var tensor))
            return tensor;
        var node = Nodes.FirstOrDefault(n => n.OpType == "Constant" && n.Outputs.Contains(name));
        return node is not null && node.TensorAttributes.TryGetValue("value", out var value) ? value : null;
    }

    private static OnnxGraph ReadGraph(CodedInputStream input, string path)
    {
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var nodes = new List<OnnxNode>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case GraphInitializer:
                    var tensor = ReadTensor(input.ReadBytes().CreateCodedInput(), path);
                    initializers[tensor.Name] = tensor;
                    break;
                case GraphNode:
                    nodes.Add(ReadNode(input.ReadBytes().CreateCodedInput(), path));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new OnnxGraph(initializers, nodes);
    }

    private static OnnxNode ReadNode(CodedInputStream input, string path)
    {
        string name = "", opType = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var ints = new Dictionary<string, long>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case NodeInput: inputs.Add(input.ReadString()); break;
                case NodeOutput: outputs.Add(input.ReadString()); break;
                case NodeName: name = input.ReadString(); break;
                case NodeOpType: opType = input.ReadString(); break;
                case NodeAttribute:
                    var (attributeName, intValue, tensorValue) = ReadAttribute(input.ReadBytes().CreateCodedInput(), path);
                    if (intValue is { } i)
                        ints[attributeName] = i;
                    if (tensorValue is not null)
                        tensors[attributeName] = tensorValue;
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, ints, tensors);
    }

    private static (string Name, long? Int, OnnxTensor? Tensor) ReadAttribute(CodedInputStream input, string path)
    {
        string name = "";
        long? intValue = null;
        OnnxTensor? tensor = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case AttributeName: name = input.ReadString(); break;
                case AttributeInt: intValue = input.ReadInt64(); break;
                case AttributeTensor: tensor = ReadTensor(input.ReadBytes().CreateCodedInput(), path); break;
                default: input.SkipLastField(); break;
            }
        }
        return (name, intValue, tensor);
    }

    private static OnnxTensor ReadTensor(CodedInputStream input, string path)
    {
        string name = "";
        var dims = new List<long>();
        var dataType = 0;
        byte[]? raw = null;
        var floats = new List<float>();
        var int32s = new List<int>();
        var int64s = new List<long>();
        var doubles = new List<double>();
        var external = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var packed = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case TensorDims: ReadRepeated(input, packed, dims, s => s.ReadInt64()); break;
                case TensorDataType: dataType = input.ReadInt32(); break;
                case TensorFloatData: ReadRepeated(input, packed, floats, s => s.ReadFloat()); break;
                case TensorInt32Data: ReadRepeated(input, packed, int32s, s => s.ReadInt32()); break;
                case TensorInt64Data: ReadRepeated(input, packed, int64s, s => s.ReadInt64()); break;
                case TensorDoubleData: ReadRepeated(input, packed, doubles, s => s.ReadDouble()); break;
                case TensorName: name = input.ReadString(); break;
                case TensorRawData: raw = input.ReadBytes().ToByteArray(); break;
                case TensorDataLocation: external = input.ReadInt32() == 1; break;
                default: input.SkipLastField(); break;
            }
        }
        if (external)
            throw new NotSupportedException($"{path}: initializer \"{name}\" keeps its data in an external file; re-export the model with the weights inside the .onnx file.");

        var data = raw ?? (dataType switch
        {
            OnnxTensor.Float => floats.SelectMany(BitConverter.GetBytes).ToArray(),
            OnnxTensor.Double => doubles.SelectMany(BitConverter.GetBytes).ToArray(),
            OnnxTensor.Int64 => int64s.SelectMany(BitConverter.GetBytes).ToArray(),
            OnnxTensor.Int32 => int32s.SelectMany(BitConverter.GetBytes).ToArray(),
            // FLOAT16 and BFLOAT16 values sit in int32_data, one 16-bit value each.
            OnnxTensor.Float16 or OnnxTensor.BFloat16 => int32s.SelectMany(v => BitConverter.GetBytes((ushort)v)).ToArray(),
            _ => [],
        });
        return new OnnxTensor(name, dims.ToArray(), dataType, data);
    }

    private static void ReadRepeated<T>(CodedInputStream input, bool packed, List<T> into, Func<CodedInputStream, T> read)
    {
        if (!packed)
        {
            into.Add(read(input));
            return;
        }
        var values = input.ReadBytes().CreateCodedInput();
        while (!values.IsAtEnd)
            into.Add(read(values));
    }
}
