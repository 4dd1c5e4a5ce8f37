namespace ImdbExperiments.Specs;

/// <summary>Nearest-name suggestions for misspelt keys and values.</summary>
internal static class EditDistance
{
    public static int Between(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>The closest candidate when it is close enough to be a likely typo, else null.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        var best = list.Select(c => (Candidate: c, Distance: Between(name, c))).OrderBy(x => x.Distance).ThenBy(x => x.Candidate, StringComparer.Ordinal).FirstOrDefault();
        if (best.Candidate is not null && best.Distance <= Math.Max(2, best.Candidate.Length / 3))
        {
            return best.Candidate;
        }

        // An abbreviation ("distrib") is as likely a slip as a typo.
        var prefixed = list.Where(c => name.Length >= 4 && c.StartsWith(name, StringComparison.OrdinalIgnoreCase)).ToList();
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>" Did you mean 'x'?" or "".</summary>
    public static string DidYouMean(string name, IEnumerable<string> candidates) =>
        Nearest(name, candidates) is { } nearest ? $" Did you mean '{nearest}'?" : "";
}
