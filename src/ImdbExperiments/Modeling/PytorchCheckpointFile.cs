using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Reads a state_dict saved by torch.save (pytorch_model.bin, zip format) through TorchSharp.PyBridge.
/// Safe with untrusted files: its unpickler (Razorvine.Pickle) never runs Python; it maps a few globals to .NET
/// constructors (torch's tensor rebuild, OrderedDict, and inert built-ins such as set or datetime), and any other
/// global (os.system, builtins.eval, ...) becomes a placeholder that refuses to be called with arguments, so a
/// hostile pickle fails to load and runs nothing. Legacy (pre-zip) torch.save files and tensors that are views
/// into a shared storage at an offset are not supported.
/// </summary>
public static class PytorchCheckpointFile
{
    /// <param name="path">the file to read</param>
    /// <param name="source">what errors call the file (the user's own path when <paramref name="path"/> is a copy); null: the path</param>
    public static Dictionary<string, Tensor> Read(string path, string? source = null)
    {
        source ??= path;
        Hashtable table;
        try
        {
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream);
        }
        catch (Exception e) when (e is PickleException or NotImplementedException or InvalidDataException or ArgumentException
                                      or InvalidCastException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException
                                      or OverflowException or EndOfStreamException or System.Runtime.InteropServices.ExternalException
                                      || e.GetType() == typeof(Exception))
        {
            // ZipArchive, the unpickler and libtorch each throw their own types; all mean the same bad file, in one line.
            throw new InvalidDataException(
                $"{source}: not a readable PyTorch state_dict ({LibTorchErrors.FirstLine(e.Message)}). Only zip-format files written by torch.save(model.state_dict()) " +
                "are supported, and only tensors; convert the checkpoint to model.safetensors if it was saved otherwise.", e);
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
                tensors[name] = tensor;
        }
        if (tensors.Count == 0)
            throw new InvalidDataException($"{source}: the pickle holds no tensors; expected a state_dict saved with torch.save(model.state_dict()).");
        return tensors;
    }
}
