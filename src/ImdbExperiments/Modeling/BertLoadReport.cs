namespace ImdbExperiments.Modeling;

/// <summary>What loading a checkpoint into a BERT module did, for the run's log.</summary>
/// <param name="Source">the checkpoint file</param>
/// <param name="LoadedKeys">model keys filled from the checkpoint</param>
/// <param name="InitializedKeys">model keys the checkpoint lacked (classifier, pooler), drawn from <paramref name="InitSeed"/></param>
/// <param name="IgnoredKeys">checkpoint keys with no place in this model that are safe to drop (pre-training heads, position_ids buffers, another model's head)</param>
/// <param name="RenamedKeys">checkpoint keys renamed on the way: legacy LayerNorm gamma/beta, an added or removed "bert." prefix (old -> new)</param>
/// <param name="SourceDtypes">the checkpoint's tensor types (e.g. "Float16"), converted to the model's</param>
public sealed record BertLoadReport(
    string Source,
    IReadOnlyList<string> LoadedKeys,
    IReadOnlyList<string> InitializedKeys,
    IReadOnlyList<string> IgnoredKeys,
    IReadOnlyList<KeyValuePair<string, string>> RenamedKeys,
    IReadOnlyList<string> SourceDtypes,
    long InitSeed)
{
    /// <summary>True when part of the model (a classifier head or pooler) was not in the checkpoint.</summary>
    public bool HeadInitialized => InitializedKeys.Count > 0;

    public string Summary() =>
        $"{Source}: loaded {LoadedKeys.Count} tensors ({string.Join(", ", SourceDtypes)})" +
        (InitializedKeys.Count > 0 ? $"; initialized {string.Join(", ", InitializedKeys)} with seed {InitSeed}" : "") +
        (IgnoredKeys.Count > 0 ? $"; ignored {IgnoredKeys.Count} ({string.Join(", ", IgnoredKeys.Take(5))}{(IgnoredKeys.Count > 5 ? ", ..." : "")})" : "") +
        (RenamedKeys.Count > 0 ? $"; renamed {RenamedKeys.Count}" : "");
}
