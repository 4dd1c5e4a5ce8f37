using System.Text.Json;
using Parquet;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// The label names a Hub Parquet file declares: datasets writes its Features as JSON under the file's "huggingface"
/// key-value metadata (arrow_writer.py / features.py: {"info": {"features": {column: {"_type": "ClassLabel", "names": [...]}}}}).
/// </summary>
internal static class HubParquetLabels
{
    const int MaxMetadataChars = 1 << 20;
    const int MaxNames = 100_000;

    /// <summary>The ClassLabel names of the column, index = integer label; null when the file declares none.</summary>
    public static async Task<IReadOnlyList<string>?> ReadAsync(string path, string column, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess | FileOptions.Asynchronous);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        if (!reader.CustomMetadata.TryGetValue("huggingface", out var json) || json.Length > MaxMetadataChars)
            return null;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (!document.RootElement.TryGetProperty("info", out var info) || !info.TryGetProperty("features", out var features) ||
                features.ValueKind != JsonValueKind.Object || !features.TryGetProperty(column, out var feature) ||
                feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("names", out var names) ||
                names.ValueKind != JsonValueKind.Array || names.GetArrayLength() is 0 or > MaxNames)
                return null;
            var result = new List<string>();
            foreach (var name in names.EnumerateArray())
            {
                if (name.ValueKind != JsonValueKind.String)
                    return null;
                result.Add(name.GetString()!);
            }
            return result;
        }
        catch (JsonException)
        {
            // The names are a courtesy for reports; a file whose metadata is not JSON still has its integer labels.
            return null;
        }
    }
}
