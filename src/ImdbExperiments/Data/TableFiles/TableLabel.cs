namespace ImdbExperiments.Data.TableFiles;

/// <summary>A label as a table holds it: its text (canonical for integers, so "01" and "1" are one label) and whether it is an integer.</summary>
public readonly record struct TableLabel(string Text, bool IsInteger, long Integer);
