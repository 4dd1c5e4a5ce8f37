using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
/// little-endian tensor bytes, offsets counted from the end of the header.
/// </summary>
public static class SafetensorsFile
{
    private const string MetadataKey = "__metadata__";
    // The reference implementation refuses larger headers; so do we, before allocating one.
    private const long MaxHeaderBytes = 100_000_000;
    // libtorch's own limit on a tensor's rank is 64; a checkpoint weight has at most a handful.
    private const int MaxDimensions = 8;

    private static readonly Dictionary<string, ScalarType> DtypeByName = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Reads every tensor onto the CPU, after checking the header against the file's length.</summary>
    /// <param name="path">the file to read</param>
    /// <param name="source">what errors call the file (the user's own path when <paramref name="path"/> is a copy); null: the path</param>
    public static Dictionary<string, Tensor> Read(string path, string? source = null)
    {
        EnsureLittleEndian();
        source ??= path;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        var (entries, _, dataStart) = ReadHeader(stream, source);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                var tensor = LibTorchErrors.Guard($"{source}: tensor \"{entry.Name}\"", () => empty(entry.Shape, entry.Dtype));
                tensors.Add(entry.Name, tensor);
                if (entry.End == entry.Begin)
                    continue;
                stream.Position = dataStart + entry.Begin;
                if (entry.End - entry.Begin <= int.MaxValue)
                    stream.ReadExactly(tensor.bytes);
                else
                    tensor.ReadBytesFromStream(stream, bufferSize: 1 << 20);
            }
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
    }

    /// <summary>The header's "__metadata__" strings (empty when there are none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path, string? source = null)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, source ?? path).Metadata;
    }

    /// <summary>Each tensor's shape by name, from the header alone (checked against the file's length; no data read).</summary>
    public static IReadOnlyDictionary<string, long[]> ReadShapes(string path, string? source = null)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, source ?? path).Entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal);
    }

    /// <summary>
    /// Writes the tensors (any device, dtype kept) in ordinal key order with a space-padded header, so the same
    /// tensors always give the same bytes; writes a temporary file and renames it over <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        EnsureLittleEndian();
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (ordered.Any(p => p.Key == MetadataKey))
            throw new ArgumentException($"\"{MetadataKey}\" is reserved in safetensors and cannot name a tensor.");

        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                meta[k] = v;
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            var bytes = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = NameOf(tensor.dtype, name),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes)),
            };
            offset += bytes;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8;   // keeps the data section 8-byte aligned, as the reference writer does
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
                stream.Write(length);
                stream.Write(headerBytes);
                for (var i = headerBytes.Length; i < padded; i++)
                    stream.WriteByte((byte)' ');
                foreach (var (_, tensor) in ordered)
                {
                    if (tensor.NumberOfElements == 0)
                        continue;
                    using var cpu = tensor.detach().cpu().contiguous();
                    if (cpu.NumberOfElements * cpu.ElementSize <= int.MaxValue)
                        stream.Write(cpu.bytes);
                    else
                        cpu.WriteBytesToStream(stream, bufferSize: 1 << 20);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private sealed record Entry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End);

    private static (List<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(Stream stream, string path)
    {
        var fileLength = stream.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (fileLength < 8)
            throw Corrupt(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Corrupt(path, $"the header claims {headerLength} bytes but the file has {fileLength - 8} after the length (limit {MaxHeaderBytes}): the file is truncated or not safetensors");

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        // safetensors/src/tensor.rs refuses a header whose first byte is not '{' (InvalidHeaderStart).
        if (headerBytes.Length == 0 || headerBytes[0] != (byte)'{')
            throw Corrupt(path, "the header does not start with '{'");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw Corrupt(path, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"the header is not valid JSON ({FirstLine(e.Message)})");
        }

        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                if (node is JsonObject meta)
                {
                    foreach (var (k, v) in meta)
                        metadata[k] = v is JsonValue value && value.TryGetValue(out string? s) ? s : v?.ToJsonString() ?? "null";
                }
                continue;
            }
            entries.Add(ParseEntry(path, name, node, dataLength));
        }

        // Two tensors may not share bytes: the format has no views.
        Entry? previous = null;
        foreach (var entry in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin))
        {
            if (previous is not null && entry.Begin < previous.End)
                throw Corrupt(path, $"tensors \"{BertConfig.Abbreviate(previous.Name)}\" [{previous.Begin}, {previous.End}) and \"{BertConfig.Abbreviate(entry.Name)}\" [{entry.Begin}, {entry.End}) overlap");
            previous = entry;
        }
        return (entries, metadata, dataStart);
    }

    private static Entry ParseEntry(string path, string name, JsonNode? node, long dataLength)
    {
        var label = BertConfig.Abbreviate(name);
        if (node is not JsonObject info
            || info["dtype"] is not JsonValue dtypeNode || !dtypeNode.TryGetValue(out string? dtypeName)
            || info["shape"] is not JsonArray shapeNode
            || info["data_offsets"] is not JsonArray offsetsNode || offsetsNode.Count != 2)
            throw Corrupt(path, $"tensor \"{label}\" needs dtype, shape and data_offsets [begin, end]; found {BertConfig.Abbreviate(node?.ToJsonString() ?? "null")}");
        if (!DtypeByName.TryGetValue(dtypeName, out var dtype))
            throw Corrupt(path, $"tensor \"{label}\" has dtype \"{BertConfig.Abbreviate(dtypeName)}\"; supported: {string.Join(", ", DtypeByName.Keys)}");

        if (shapeNode.Count > MaxDimensions)
            throw Corrupt(path, $"tensor \"{label}\" has {shapeNode.Count} dimensions; at most {MaxDimensions} are supported");
        var shape = new long[shapeNode.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            if (shapeNode[i] is not JsonValue d || !d.TryGetValue(out long dim) || dim < 0)
                throw Corrupt(path, $"tensor \"{label}\" has shape {BertConfig.Abbreviate(shapeNode.ToJsonString())}; dimensions must be non-negative integers");
            shape[i] = dim;
        }
        if (offsetsNode[0] is not JsonValue b || !b.TryGetValue(out long begin) || offsetsNode[1] is not JsonValue e || !e.TryGetValue(out long end) || begin < 0 || end < begin)
            throw Corrupt(path, $"tensor \"{label}\" has data_offsets {BertConfig.Abbreviate(offsetsNode.ToJsonString())}; expected [begin, end] with 0 <= begin <= end");

        var elementSize = dtype switch
        {
            ScalarType.Float64 or ScalarType.Int64 => 8,
            ScalarType.Float32 or ScalarType.Int32 => 4,
            ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
            _ => 1,
        };
        // As safetensors/src/tensor.rs validate(): elements * dtype size in checked arithmetic (ValidationOverflow).
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (n, d) => checked(n * d)) * elementSize);
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"tensor \"{label}\" ({dtypeName} [{string.Join(", ", shape)}]) has more bytes than 64 bits can count");
        }
        if (end - begin != expected)
            throw Corrupt(path, $"tensor \"{label}\" ({dtypeName} [{string.Join(", ", shape)}]) needs {expected} bytes but data_offsets [{begin}, {end}) hold {end - begin}");
        if (end > dataLength)
            throw Corrupt(path, $"tensor \"{label}\" needs bytes [{begin}, {end}) of the data section but the file has only {dataLength}: the file is truncated");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static string NameOf(ScalarType dtype, string tensorName)
    {
        foreach (var (name, type) in DtypeByName)
        {
            if (type == dtype)
                return name;
        }
        throw new ArgumentException($"Tensor \"{tensorName}\" has dtype {dtype}, which safetensors cannot hold here; supported: {string.Join(", ", DtypeByName.Keys)}.");
    }

    private static InvalidDataException Corrupt(string path, string problem) =>
        new($"{path}: not a readable safetensors file: {problem}.");

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd('\r');

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader copies bytes as they are and needs a little-endian machine.");
    }
}
