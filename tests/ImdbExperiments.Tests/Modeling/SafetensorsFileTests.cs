using System.Buffers.Binary;
using System.Text;
using ImdbExperiments.Modeling;
using static TorchSharp.torch;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void Read_ParsesAHandWrittenFile()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("hand.safetensors");
        // Two tensors: F32 [2] = {1.5, -2} at [0, 8), I64 [1] = {7} at [8, 16).
        var header = """{"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}""";
        using (var file = File.Create(path))
        {
            var headerBytes = Encoding.UTF8.GetBytes(header);
            var buffer = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(buffer, (ulong)headerBytes.Length);
            file.Write(buffer);
            file.Write(headerBytes);
            file.Write(BitConverter.GetBytes(1.5f));
            file.Write(BitConverter.GetBytes(-2f));
            file.Write(BitConverter.GetBytes(7L));
        }

        var tensors = SafetensorsFile.Read(path);

        Assert.Equal(new[] { 1.5f, -2f }, tensors["a"].data<float>().ToArray());
        Assert.Equal(new[] { 7L }, tensors["b"].data<long>().ToArray());
        Assert.Equal("pt", SafetensorsFile.ReadMetadata(path)["format"]);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int64)]
    public void WriteThenRead_GivesTheSameTensors(ScalarType dtype)
    {
        using var temp = new TempFolder();
        var path = temp.Combine("t.safetensors");
        var tensors = new Dictionary<string, Tensor>
        {
            ["w"] = (randn(3, 5, generator: new Generator(1)) * 10).to_type(dtype),
            ["scalar"] = tensor(3.25).to_type(dtype),
            ["empty"] = zeros(0, 4, dtype: dtype),
        };

        SafetensorsFile.Write(path, tensors);
        var read = SafetensorsFile.Read(path);

        Assert.Equal(tensors.Keys.Order(), read.Keys.Order());
        Assert.All(tensors, p => Assert.True(TinyBert.SameValues(p.Value, read[p.Key]), p.Key));
    }

    [Fact]
    public void Write_IsDeterministicAndAligned()
    {
        using var temp = new TempFolder();
        var tensors = new Dictionary<string, Tensor> { ["z"] = arange(5f), ["a"] = ones(3) };
        var reversed = tensors.Reverse().ToDictionary();

        SafetensorsFile.Write(temp.Combine("1"), tensors);
        SafetensorsFile.Write(temp.Combine("2"), reversed);

        var bytes = File.ReadAllBytes(temp.Combine("1"));
        Assert.Equal(bytes, File.ReadAllBytes(temp.Combine("2")));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
    }

    [Fact]
    public void Read_TruncatedFile_SaysItIsTruncated()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("t.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["big"] = ones(100), ["small"] = ones(2) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("small", error.Message);
    }

    [Fact]
    public void Read_HeaderLongerThanFile_IsAClearError()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("t.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        Assert.Contains("header claims 1000 bytes", error.Message);
    }

    [Fact]
    public void Read_SizeThatDisagreesWithShape_IsAClearError()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("t.safetensors");
        var header = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""");
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        File.WriteAllBytes(path, [.. length, .. header, .. new byte[8]]);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));

        Assert.Contains("needs 12 bytes", error.Message);
    }
}
