namespace ImdbExperiments.Specs;

/// <summary>The table files of data.source: files (paths relative to the spec file's folder).</summary>
public sealed record TableFilesSpec
{
    /// <summary>A column name is only ever compared with a header, key or field name: 1 to 200 characters, no control characters.</summary>
    public const string ColumnName = @"^[^\p{C}]{1,200}\z";
    public const string ColumnNameDescription = "a column name of 1 to 200 characters without control characters";

    [SpecKey("train"), SpecPath, SpecDoc("The training table (required with source files).")]
    public string? Train { get; init; }

    [SpecKey("test"), SpecPath, SpecDoc("The test table; null = carve data.test_fraction out of train.")]
    public string? Test { get; init; }
}
