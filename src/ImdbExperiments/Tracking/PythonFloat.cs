using System.Globalization;

namespace ImdbExperiments.Tracking;

/// <summary>
/// Python's repr() of a float, which is how MLflow's file store writes a metric value
/// (<c>f"{metric.timestamp} {metric.value} {metric.step}"</c>): shortest round-trip digits,
/// exponent form when the decimal point would sit before -4 or after 16 digits, "nan", "inf", "-inf".
/// </summary>
internal static class PythonFloat
{
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
            return "nan";
        if (double.IsPositiveInfinity(value))
            return "inf";
        if (double.IsNegativeInfinity(value))
            return "-inf";
        if (value == 0)
            return double.IsNegative(value) ? "-0.0" : "0.0";

        // .NET's "E16" is not shortest; "R" is, in either fixed or exponent form: normalize it to digits + exponent.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = text.StartsWith('-');
        if (negative)
            text = text[1..];
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var dot = text.IndexOf('.');
        var integerPart = dot >= 0 ? text[..dot] : text;
        var fractionPart = dot >= 0 ? text[(dot + 1)..] : "";
        var digits = (integerPart + fractionPart).TrimStart('0');
        var leadingZeros = (integerPart + fractionPart).Length - digits.Length;
        // Position of the decimal point relative to the first significant digit.
        var decimalPoint = integerPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";

        string body;
        if (decimalPoint > -4 && decimalPoint <= 16)
        {
            if (decimalPoint <= 0)
                body = "0." + new string('0', -decimalPoint) + digits;
            else if (decimalPoint >= digits.Length)
                body = digits + new string('0', decimalPoint - digits.Length) + ".0";
            else
                body = digits[..decimalPoint] + "." + digits[decimalPoint..];
        }
        else
        {
            var e10 = decimalPoint - 1;
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            body = mantissa + "e" + (e10 < 0 ? "-" : "+") + Math.Abs(e10).ToString("00", CultureInfo.InvariantCulture);
        }
        return negative ? "-" + body : body;
    }
}
