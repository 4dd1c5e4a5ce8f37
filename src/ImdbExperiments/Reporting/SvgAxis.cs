using System.Globalization;

namespace ImdbExperiments.Reporting;

/// <summary>
/// One axis of an SVG chart: maps a value text to a position from 0 (low end) to 1 (high end) by its
/// <see cref="ParameterScale"/>, and names its ticks. A numeric axis with one value puts it in the middle.
/// </summary>
internal sealed class SvgAxis
{
    private readonly double _low, _high;
    private readonly IReadOnlyList<string> _categories;

    private SvgAxis(string label, ParameterScale scale, double low, double high, IReadOnlyList<string> categories)
    {
        Label = label;
        Scale = scale;
        _low = low;
        _high = high;
        _categories = categories;
    }

    public string Label { get; }

    public ParameterScale Scale { get; }

    /// <summary>An axis over the values' texts; <paramref name="scale"/> comes from <see cref="ParameterScales.Resolve"/>.</summary>
    public static SvgAxis Over(string label, IReadOnlyList<string> values, ParameterScale scale)
    {
        if (scale == ParameterScale.Categorical)
        {
            var distinct = values.Distinct(StringComparer.Ordinal).ToList();
            var ordered = distinct.All(v => Number(v) is not null)
                ? distinct.OrderBy(v => Number(v)!.Value).ThenBy(v => v, StringComparer.Ordinal).ToList()
                : distinct.Order(StringComparer.Ordinal).ToList();
            return new SvgAxis(label, scale, 0, 0, ordered);
        }

        return Numeric(label, [.. values.Select(v => Number(v)!.Value)], scale);
    }

    /// <summary>A numeric axis from the smallest to the largest of <paramref name="values"/>.</summary>
    public static SvgAxis Numeric(string label, IReadOnlyList<double> values, ParameterScale scale = ParameterScale.Linear)
    {
        var transformed = values.Select(v => scale == ParameterScale.Log ? Math.Log10(v) : v).ToList();
        return new SvgAxis(label, scale, transformed.Count == 0 ? 0 : transformed.Min(), transformed.Count == 0 ? 0 : transformed.Max(), []);
    }

    public double Position(string value) => Scale == ParameterScale.Categorical
        ? _categories.Count <= 1 ? 0.5 : Math.Max(0, IndexOf(value)) / (double)(_categories.Count - 1)
        : Position(Number(value) ?? double.NaN);

    public double Position(double value)
    {
        var x = Scale == ParameterScale.Log ? Math.Log10(value) : value;
        return _high <= _low ? 0.5 : (x - _low) / (_high - _low);
    }

    /// <summary>
    /// A categorical axis: every category (at most 24 labelled). A numeric one: round values (1, 2 or 5 × 10^k apart; on a log
    /// axis 1, 2 and 5 × 10^k, only the decades when the values span three or more), else <paramref name="count"/> evenly spaced ones.
    /// </summary>
    public IReadOnlyList<(double Position, string Label)> Ticks(int count = 5)
    {
        if (Scale == ParameterScale.Categorical)
        {
            var every = Math.Max(1, (int)Math.Ceiling(_categories.Count / 24.0));
            return [.. _categories.Select((c, i) => (Position(c), i % every == 0 ? Shorten(c) : ""))];
        }

        if (_high <= _low)
        {
            return [(0.5, Format(Scale == ParameterScale.Log ? Math.Pow(10, _low) : _low))];
        }

        var round = Scale == ParameterScale.Log ? LogTicks() : LinearTicks(count);
        if (round.Count >= 2)
        {
            return [.. round.Select(v => (Position(v), Format(v)))];
        }

        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var x = _low + (_high - _low) * i / (count - 1);
            return (i / (double)(count - 1), Format(Scale == ParameterScale.Log ? Math.Pow(10, x) : x));
        })];
    }

    private List<double> LinearTicks(int count)
    {
        // The smallest round step that gives at most count + 1 ticks.
        var rough = (_high - _low) / count;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= rough * 0.999);
        var ticks = new List<double>();
        for (var k = Math.Ceiling(_low / step - 1e-9); k * step <= _high + step * 1e-9; k++)
        {
            ticks.Add(Math.Round(k * step, 12));
        }

        return ticks;
    }

    private List<double> LogTicks()
    {
        double[] mantissas = _high - _low >= 3 ? [1] : [1, 2, 5];
        var ticks = new List<double>();
        for (var decade = (int)Math.Floor(_low); decade <= (int)Math.Ceiling(_high); decade++)
        {
            foreach (var m in mantissas)
            {
                var value = m * Math.Pow(10, decade);
                var log = Math.Log10(value);
                if (log >= _low - 1e-9 && log <= _high + 1e-9)
                {
                    ticks.Add(value);
                }
            }
        }

        return ticks;
    }

    /// <summary>A value for a label: four significant digits, scientific notation below 0.001 and from 10,000.</summary>
    public static string Format(double value) => value switch
    {
        double v when double.IsNaN(v) => "NaN",
        double v when v != 0 && (Math.Abs(v) < 1e-3 || Math.Abs(v) >= 1e4) => v.ToString("0.###E+0", CultureInfo.InvariantCulture),
        double v => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    public static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : null;

    private int IndexOf(string value)
    {
        for (var i = 0; i < _categories.Count; i++)
        {
            if (string.Equals(_categories[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Shorten(string text) => text.Length <= 18 ? text : text[..16] + "…";
}
