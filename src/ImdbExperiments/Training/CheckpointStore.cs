using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// Resumable checkpoints in checkpoints/step-N/: model.safetensors (the fp32 weights), optimizer.bin (AdamW moments
/// and step counts, TorchSharp's optimizer state format), rng_state.bin (libtorch's CPU generator state) and
/// trainer_state.json (<see cref="TrainerState"/>). Each is written into a hidden temporary folder that is renamed into
/// place once complete, so a step-N folder is always whole; a leftover temporary folder is a torn write and is deleted.
/// </summary>
internal sealed class CheckpointStore(string folder, int keep)
{
    public const string FolderName = "checkpoints";
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.bin";
    public const string RngFile = "rng_state.bin";
    public const string StateFile = "trainer_state.json";
    private const string Prefix = "step-";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2, NewLine = "\n" };

    public string Folder { get; } = folder;

    /// <summary>Deletes temporary folders left by a write that was killed.</summary>
    public void RemoveTorn()
    {
        if (!Directory.Exists(Folder))
            return;
        foreach (var torn in Directory.EnumerateDirectories(Folder, "." + Prefix + "*"))
            Directory.Delete(torn, recursive: true);
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public string? Latest() => Complete().LastOrDefault().Path;

    public string Write(TrainerState state, string fingerprint, int totalSteps, nn.Module model, OptimizerHelper optimizer)
    {
        Directory.CreateDirectory(Folder);
        var final = Path.Combine(Folder, Prefix + state.Step.ToString(CultureInfo.InvariantCulture));
        var temp = Path.Combine(Folder, $".{Prefix}{state.Step}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            using (var scope = NewDisposeScope())
                SafetensorsFile.Write(Path.Combine(temp, ModelFile), model.state_dict());
            using (var stream = new FileStream(Path.Combine(temp, OptimizerFile), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                using var writer = new BinaryWriter(stream);
                optimizer.save_state_dict(writer);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            using (var rng = get_rng_state())
                WriteDurably(Path.Combine(temp, RngFile), rng.bytes.ToArray());
            WriteDurably(Path.Combine(temp, StateFile), System.Text.Encoding.UTF8.GetBytes(state.ToJson(fingerprint, totalSteps).ToJsonString(Indented) + "\n"));

            if (Directory.Exists(final))
                Directory.Delete(final, recursive: true);
            Directory.Move(temp, final);
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
        Prune();
        return final;
    }

    /// <summary>Loads a checkpoint into the model, the optimizer and libtorch's CPU generator; returns its trainer state.</summary>
    public static TrainerState Restore(string checkpoint, string fingerprint, nn.Module model, OptimizerHelper optimizer)
    {
        var statePath = Path.Combine(checkpoint, StateFile);
        var json = JsonNode.Parse(File.ReadAllText(statePath)) as JsonObject
            ?? throw new InvalidDataException($"{statePath}: expected a JSON object.");
        if (json["fingerprint"]?.GetValue<string>() != fingerprint)
            throw new InvalidOperationException($"{checkpoint} was written by a run with other settings (training spec, seed, data or model differ). " +
                "Resuming it would mix two runs: use a new run folder, or delete the old run's checkpoints/ and history.jsonl.");
        var state = TrainerState.FromJson(json, statePath);

        var weights = SafetensorsFile.Read(Path.Combine(checkpoint, ModelFile));
        try
        {
            var (missing, unexpected) = model.load_state_dict(weights, strict: false);
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new InvalidDataException($"{checkpoint}/{ModelFile} does not fit the model: missing {string.Join(", ", missing)}; unexpected {string.Join(", ", unexpected)}.");
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
        using (var reader = new BinaryReader(File.OpenRead(Path.Combine(checkpoint, OptimizerFile))))
            optimizer.load_state_dict(reader);
        using (var rng = tensor(File.ReadAllBytes(Path.Combine(checkpoint, RngFile)), ScalarType.Byte))
            set_rng_state(rng);
        return state;
    }

    private IEnumerable<(int Step, string Path)> Complete()
    {
        if (!Directory.Exists(Folder))
            return [];
        return Directory.EnumerateDirectories(Folder, Prefix + "*")
            .Select(path => (Ok: int.TryParse(System.IO.Path.GetFileName(path)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step), Step: step, Path: path))
            .Where(c => c.Ok && File.Exists(System.IO.Path.Combine(c.Path, StateFile)))
            .OrderBy(c => c.Step)
            .Select(c => (c.Step, c.Path))
            .ToArray();
    }

    private void Prune()
    {
        var all = Complete().ToArray();
        foreach (var (_, path) in all.Take(Math.Max(0, all.Length - keep)))
            Directory.Delete(path, recursive: true);
    }

    private static void WriteDurably(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
