using System.Text.Json;
using ImdbExperiments.Tests.Modeling.Hub;
using ParquetSharp;

namespace ImdbExperiments.Tests.Data.Hub;

/// <summary>
/// Writes a split as datasets pushes it to the Hub, with Apache Arrow's C++ Parquet writer (ParquetSharp; pyarrow uses the same):
/// snappy, dictionary-encoded strings, several row groups, optional text / int64 label columns and the "huggingface"
/// key-value metadata holding the Features (datasets features.py: label is a ClassLabel with names).
/// </summary>
internal static class HubParquet
{
    public static readonly string[] LabelNames = ["neg", "pos"];

    public static FakeHubFile Shard(string name, IReadOnlyList<(string Text, long Label)> rows, int rowsPerGroup = 3)
    {
        var path = Path.Join(Path.GetTempPath(), $"hub-shard-{Guid.NewGuid():N}.parquet");
        try
        {
            var features = JsonSerializer.Serialize(new
            {
                info = new
                {
                    features = new Dictionary<string, object>
                    {
                        ["text"] = new Dictionary<string, string> { ["dtype"] = "string", ["_type"] = "Value" },
                        ["label"] = new Dictionary<string, object> { ["names"] = LabelNames, ["_type"] = "ClassLabel" },
                    },
                },
            });
            Column[] columns = [new Column<string>("text"), new Column<long?>("label")];
            using var properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).EnableDictionary().Build();
            using (var writer = new ParquetFileWriter(path, columns, properties, new Dictionary<string, string> { ["huggingface"] = features }))
            {
                foreach (var group in rows.Chunk(rowsPerGroup))
                {
                    using var rowGroup = writer.AppendRowGroup();
                    using (var text = rowGroup.NextColumn().LogicalWriter<string>())
                        text.WriteBatch([.. group.Select(r => r.Text)]);
                    using (var label = rowGroup.NextColumn().LogicalWriter<long?>())
                        label.WriteBatch([.. group.Select(r => (long?)r.Label)]);
                }
                writer.Close();
            }
            return new FakeHubFile(name, File.ReadAllBytes(path), Lfs: true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The dataset card of stanfordnlp/imdb's layout: one config per folder, a split per file pattern.</summary>
    public static FakeHubFile Card(string config = "plain_text", params string[] splits) => FakeHubFile.Text("README.md", $"""
        ---
        language:
        - en
        dataset_info:
          config_name: {config}
          features:
          - name: text
            dtype: string
          - name: label
            dtype:
              class_label:
                names:
                  '0': neg
                  '1': pos
        configs:
        - config_name: {config}
          data_files:
        {string.Concat((splits.Length == 0 ? ["train", "test", "unsupervised"] : splits).Select(s => $"  - split: {s}\n    path: {config}/{s}-*\n"))}  default: true
        ---
        # IMDb

        A card.
        """);

    /// <summary>Rows whose labels alternate irregularly, so the dataset's own order differs from "by label".</summary>
    public static (string Text, long Label)[] Rows(string split, int count, int salt = 0) =>
        [.. Enumerable.Range(0, count).Select(i => ($"{split} review {i} {salt} {(i * 7 % 3 == 0 ? "lovely" : "dull")}", (long)(i * 7 % 3 == 0 ? 1 : 0)))];
}
