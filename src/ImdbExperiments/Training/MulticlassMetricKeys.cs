using System.Globalization;
using System.Text;

namespace ImdbExperiments.Training;

/// <summary>
/// The MLflow metric names of a run with more than two classes, spelled once for the writer (the run's tracking) and the
/// reader (the report): per class <c>&lt;split&gt;/class_&lt;id&gt;_&lt;name&gt;/&lt;figure&gt;</c>, per confusion cell
/// <c>&lt;split&gt;/confusion_&lt;actual&gt;_&lt;predicted&gt;</c>. A label name is user data and MLflow's file store
/// makes a key's slashes folders, so the name is reduced to letters, digits, '_' and '-' (others become '_', at most
/// <see cref="MaxNameLength"/> kept) behind the class id, which alone keeps keys distinct.
/// </summary>
public static class MulticlassMetricKeys
{
    public const int MaxNameLength = 40;
    public const string ClassPrefix = "class_";
    public const string ConfusionPrefix = "confusion_";

    /// <summary>The figures logged per class, in this order.</summary>
    public static readonly IReadOnlyList<string> ClassFigures = ["precision", "recall", "f1", "support"];

    /// <summary>"class_3_very_good" for class 3 named "very good".</summary>
    public static string ClassSegment(int id, string label)
    {
        var safe = new StringBuilder(Math.Min(label.Length, MaxNameLength));
        foreach (var c in label)
        {
            if (safe.Length == MaxNameLength) break;
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }
        return string.Create(CultureInfo.InvariantCulture, $"{ClassPrefix}{id}_{safe}");
    }

    /// <summary>"confusion_2_0": examples of class 2 predicted as class 0.</summary>
    public static string ConfusionName(int actual, int predicted) => string.Create(CultureInfo.InvariantCulture, $"{ConfusionPrefix}{actual}_{predicted}");

    /// <summary>Whether a metric name (after its split prefix) is one of these per-class or per-cell names.</summary>
    public static bool IsPerClassOrCell(string name) =>
        name.StartsWith(ClassPrefix, StringComparison.Ordinal) || name.StartsWith(ConfusionPrefix, StringComparison.Ordinal);

    /// <summary>The class id and reduced name of a class segment ("class_3_very_good" gives 3, "very_good"); null for another name.</summary>
    public static (int Id, string Name)? ParseClassSegment(string segment)
    {
        if (!segment.StartsWith(ClassPrefix, StringComparison.Ordinal)) return null;
        var rest = segment[ClassPrefix.Length..];
        var underscore = rest.IndexOf('_');
        return underscore > 0 && int.TryParse(rest[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? (id, rest[(underscore + 1)..])
            : null;
    }
}
