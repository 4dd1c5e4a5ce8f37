using System.Text;

namespace ImdbExperiments.Reporting;

/// <summary>
/// Escapes text for HTML and inline SVG, in element content and in quoted attributes: &amp; &lt; &gt; &quot; and &#39;.
/// Everything else stays as it is (the report is UTF-8), so ± and ε² read as themselves in the source too.
/// </summary>
internal static class HtmlText
{
    public static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
