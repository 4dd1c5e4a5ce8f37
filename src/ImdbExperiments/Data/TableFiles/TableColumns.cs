namespace ImdbExperiments.Data.TableFiles;

/// <summary>Which columns of a table hold the text, the label and (optionally) the id.</summary>
public sealed record TableColumns(string Text, string Label, string? Id);
