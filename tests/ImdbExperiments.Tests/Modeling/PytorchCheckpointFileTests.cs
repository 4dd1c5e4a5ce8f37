using System.IO.Compression;
using System.Text;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

public sealed class PytorchCheckpointFileTests
{
    /// <summary>A torch.save-shaped zip whose data.pkl calls module.function(argument) when unpickled by Python.</summary>
    private static void WriteHostileCheckpoint(string path, string module, string function, string argument)
    {
        using var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02]);                                      // PROTO 2
        pickle.Write(Encoding.ASCII.GetBytes($"c{module}\n{function}\n")); // GLOBAL module.function
        var arg = Encoding.UTF8.GetBytes(argument);
        pickle.WriteByte((byte)'X');                                      // BINUNICODE argument
        pickle.Write(BitConverter.GetBytes(arg.Length));
        pickle.Write(arg);
        pickle.WriteByte(0x85);                                           // TUPLE1
        pickle.WriteByte((byte)'R');                                      // REDUCE: call it
        pickle.WriteByte((byte)'.');                                      // STOP

        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("archive/data.pkl").Open();
        entry.Write(pickle.ToArray());
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("subprocess", "call")]
    public void Read_HostilePickle_IsRejectedWithoutRunningIt(string module, string function)
    {
        using var temp = new TempFolder();
        var marker = temp.Combine("pwned");
        var path = temp.Combine("pytorch_model.bin");
        WriteHostileCheckpoint(path, module, function, $"touch {marker}");

        var error = Assert.Throws<InvalidDataException>(() => PytorchCheckpointFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains($"{module}.{function}", error.Message);   // refused at the call, not for some other reason
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Read_EvalOfAnExpression_IsRejected()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        WriteHostileCheckpoint(path, "builtins", "eval", "__import__('os').getpid()");

        Assert.Throws<InvalidDataException>(() => PytorchCheckpointFile.Read(path));
    }

    [Fact]
    public void Read_LegacyNonZipFile_SaysToConvert()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a]);

        var error = Assert.Throws<InvalidDataException>(() => PytorchCheckpointFile.Read(path));

        Assert.Contains("safetensors", error.Message);
    }
}
