using System.Text;

namespace ImdbExperiments.Data.TableFiles;

/// <summary>
/// Turns a user's labelled tables (CSV, TSV, JSON Lines, Parquet) into one <see cref="ReviewFile"/>. Ids are
/// "train/&lt;id&gt;" and "test/&lt;id&gt;" after the file a row comes from (id = data.id_column, else the 1-based record number);
/// rating is 0 (tables have none). Every bad row is an error naming file, row and column, unless bad rows are skipped.
/// </summary>
public static class TableIngester
{
    public const int MaxFirstSkipped = 5;
    const int CarveStream = 0x7e57; // the test carve-out's own random stream, apart from the split stage's

    public static async Task<TableIngestResult> IngestAsync(TableIngestRequest request, string outputFile, CancellationToken cancellationToken = default)
    {
        var skipped = new List<string>();
        var train = await ReadAsync(request.Train, "train", request, skipped, null, cancellationToken);
        var labels = LabelSet(request.Train.Path, request.Columns.Label, train);
        var test = request.Test is { } testSource
            ? await ReadAsync(testSource, "test", request, skipped, labels, cancellationToken)
            : [];
        var index = labels.Select((l, i) => (l.Text, i)).ToDictionary(p => p.Text, p => p.i, StringComparer.Ordinal);

        var reviews = new List<Review>(train.Count + test.Count);
        var inTest = request.Test is null ? CarveTest(train, index, request) : null;
        for (int i = 0; i < train.Count; i++)
            reviews.Add(new Review(train[i].Id, inTest?[i] == true ? ReviewSplit.Test : ReviewSplit.Train, index[train[i].Label.Text], 0, train[i].Text));
        reviews.AddRange(test.Select(r => new Review(r.Id, ReviewSplit.Test, index[r.Label.Text], 0, r.Text)));

        var sorted = ReviewNames.Canonical(reviews);
        var (sha256, size) = ReviewFileWriter.Write(
            sorted.Select(r => new ReviewFileWriter.Line(r.Id, r.Split, r.Label, r.Rating, Encoding.UTF8.GetBytes(r.Text))), outputFile, cancellationToken);
        var items = sorted.Select(r => (r.Split, r.Label)).ToArray();
        return new TableIngestResult(
            labels.Count == 2 ? ReviewCounts.Of(items) : null, [.. labels.Select(l => l.Text)], labels[0].IsInteger,
            skipped.Count, [.. skipped.Take(MaxFirstSkipped)], sha256, size)
        {
            PerLabel = LabelCounts.Of(items, labels.Count),
        };
    }

    sealed record GoodRow(string Id, string Text, TableLabel Label);

    static async Task<List<GoodRow>> ReadAsync(
        TableSource source, string prefix, TableIngestRequest request, List<string> skipped, IReadOnlyList<TableLabel>? allowed, CancellationToken cancellationToken)
    {
        var columns = request.Columns;
        var rows = ShardRowsAsync(source, columns, cancellationToken);
        var allowedTexts = allowed?.Select(l => l.Text).ToHashSet(StringComparer.Ordinal);
        var seenIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var good = new List<GoodRow>();
        await foreach (var (path, row) in rows.WithCancellation(cancellationToken))
        {
            var error = row.Error ?? Check(row, columns, allowedTexts, allowed, seenIds);
            if (error is not null)
            {
                var column = error.Column is null ? "" : $", column '{error.Column}'";
                var what = error.Column is null ? "" : "the value ";
                if (!request.SkipBadRows)
                    throw new TableFileException(path, $"{path} {row.Where}{column}: {what}{error.Problem}. (Fix the row, or set data.on_bad_row: skip to drop bad rows.)");
                skipped.Add($"{Path.GetFileName(path)} {row.Where}");
                continue;
            }

            var id = row.Id ?? row.Record.ToString(System.Globalization.CultureInfo.InvariantCulture);
            seenIds[id] = row.Where;
            good.Add(new GoodRow($"{prefix}/{id}", row.Text!, row.Label!.Value));
        }

        if (good.Count == 0)
            throw new TableFileException(source.Path, $"{source.Path} has no usable rows{(skipped.Count > 0 ? $" ({skipped.Count} bad rows skipped so far)" : "")}.");
        return good;
    }

    /// <summary>The rows of every shard in turn, each with the file it is in; record numbers run on from shard to shard.</summary>
    static async IAsyncEnumerable<(string Path, TableRow Row)> ShardRowsAsync(
        TableSource source, TableColumns columns, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long offset = 0;
        foreach (var path in source.Shards)
        {
            var rows = source.Format switch
            {
                TableFormat.Csv => DelimitedTableReader.ReadAsync(path, (byte)',', columns, cancellationToken),
                TableFormat.Tsv => DelimitedTableReader.ReadAsync(path, (byte)'\t', columns, cancellationToken),
                TableFormat.Jsonl => JsonLinesTableReader.ReadAsync(path, columns, cancellationToken),
                TableFormat.Parquet => ParquetTableReader.ReadAsync(path, columns, cancellationToken),
                _ => throw new ArgumentOutOfRangeException(nameof(source), source.Format, "Allowed: Csv, Tsv, Jsonl, Parquet."),
            };
            long last = 0;
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                last = row.Record;
                yield return (path, offset == 0 ? row : row with { Record = checked(offset + row.Record) });
            }
            offset = checked(offset + last);
        }
    }

    static TableRowError? Check(TableRow row, TableColumns columns, HashSet<string>? allowedTexts, IReadOnlyList<TableLabel>? allowed, Dictionary<string, string> seenIds)
    {
        if (row.Text is null || string.IsNullOrWhiteSpace(row.Text)) return new TableRowError(columns.Text, "is empty or missing; every row needs a text");
        if (row.Label is not { } label) return new TableRowError(columns.Label, "is empty or missing; every row needs a label");
        if (allowedTexts is not null && !allowedTexts.Contains(label.Text))
            return new TableRowError(columns.Label, $"'{label.Text}' is not one of the training labels ({string.Join(", ", allowed!.Select(l => l.Text))})");
        if (columns.Id is { } idColumn)
        {
            if (row.Id is null) return new TableRowError(idColumn, "is empty or missing; data.id_column needs an id on every row");
            if (TableCells.IdProblem(row.Id) is { } problem) return new TableRowError(idColumn, $"'{Clip(row.Id)}' {problem}");
            if (seenIds.TryGetValue(row.Id, out var first)) return new TableRowError(idColumn, $"'{Clip(row.Id)}' repeats the id of {first}; ids must be unique");
        }

        return null;
    }

    /// <summary>The sorted label set of the training rows (2 to <see cref="Review.MaxLabels"/>); integers sort numerically unless any label is not an integer.</summary>
    static IReadOnlyList<TableLabel> LabelSet(string path, string column, List<GoodRow> rows)
    {
        bool integers = rows.All(r => r.Label.IsInteger);
        var distinct = rows.Select(r => integers ? r.Label : r.Label with { IsInteger = false, Integer = 0 })
            .DistinctBy(l => l.Text, StringComparer.Ordinal).ToList();
        distinct.Sort((a, b) => integers ? a.Integer.CompareTo(b.Integer) : string.CompareOrdinal(a.Text, b.Text));
        if (distinct.Count < 2 || distinct.Count > Review.MaxLabels)
        {
            var names = string.Join(", ", distinct.Take(10).Select(l => l.Text)) + (distinct.Count > 10 ? ", ..." : "");
            throw new TableFileException(path, $"{path}: column '{column}' (data.label_column) has {distinct.Count} label{(distinct.Count == 1 ? "" : "s")} ({names}); a classifier needs 2 to {Review.MaxLabels} distinct labels.");
        }

        return distinct;
    }

    /// <summary>Per label, a seeded shuffle of its rows in file order; the first round(n * fraction) go to test, leaving both sides non-empty.</summary>
    static bool[] CarveTest(List<GoodRow> train, Dictionary<string, int> index, TableIngestRequest request)
    {
        var inTest = new bool[train.Count];
        var random = new DeterministicRandom(request.Seed, CarveStream);
        for (int label = 0; label < index.Count; label++)
        {
            var rows = Enumerable.Range(0, train.Count).Where(i => index[train[i].Label.Text] == label).ToList();
            random.Shuffle(rows);
            int take = rows.Count < 2 ? 0 : Math.Clamp((int)Math.Round(rows.Count * request.TestFraction, MidpointRounding.ToEven), 1, rows.Count - 1);
            foreach (var i in rows.Take(take)) inTest[i] = true;
        }

        return inTest;
    }

    static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
