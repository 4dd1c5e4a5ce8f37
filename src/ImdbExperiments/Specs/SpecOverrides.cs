namespace ImdbExperiments.Specs;

/// <summary>Turns "a.b.c=value" overrides into a YAML tree that merges over the spec like one more extends level.</summary>
internal static class SpecOverrides
{
    /// <param name="overrides">Dotted key, value text, and the override as written (for messages).</param>
    /// <param name="label">How messages name an override: "--set" or "trial".</param>
    public static SpecMapping? Build(IEnumerable<(string Key, string Value, string Text)> overrides, string label, SpecBinder binder)
    {
        SpecMapping? tree = null;
        foreach (var (key, value, text) in overrides)
        {
            // The override's own text names it in messages, so a URI's password must not be in it.
            var written = SpecSchema.FindMember(key) is { HasCredentials: true } member ? $"{key}={member.Written(value)}" : text;
            var origin = SpecOrigin.FromOverride($"{label} {written}", key);
            var segments = key.Split('.');
            if (segments.Any(s => s.Length == 0))
            {
                binder.Error(origin, key, value, "expected key=value with a dotted key such as training.learning_rate=3e-5");
                continue;
            }

            if (text.Length > SpecLimits.MaxOverrideLength)
            {
                binder.Error(origin, key, null, $"the override is {text.Length} characters long; at most {SpecLimits.MaxOverrideLength} are allowed (a spec-loading limit)");
                continue;
            }

            SpecNode node;
            try
            {
                node = YamlTreeReader.ReadValue(value, origin, binder.WorkingDirectory);
            }
            catch (SpecException e)
            {
                foreach (var error in e.Errors)
                {
                    binder.Error(origin, key, null, error.Problem);
                }

                continue;
            }

            var keys = Group(segments);
            for (var i = keys.Count - 1; i >= 0; i--)
            {
                node = new SpecMapping([new SpecEntry(new SpecScalar(keys[i], isPlain: false, origin), node)], origin);
            }

            tree = tree is null ? (SpecMapping)node : (SpecMapping)SpecMapping.Merge(tree, node);
        }

        return tree;
    }

    /// <summary>Splits "key=value" at the first '='.</summary>
    public static (string Key, string Value, string Text)? Parse(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        return equals <= 0 ? null : (text[..equals].Trim(), text[(equals + 1)..], text);
    }

    /// <summary>
    /// The YAML keys along a dotted override key. Keys of free-form maps keep their dots:
    /// tracking.tags.mlflow.note -> [tracking, tags, mlflow.note]; sweep.parameters.training.learning_rate.min ->
    /// [sweep, parameters, training.learning_rate, min].
    /// </summary>
    private static List<string> Group(string[] segments)
    {
        var keys = new List<string>();
        SchemaSection? section = SpecSchema.Root;
        var i = 0;
        while (i < segments.Length)
        {
            var member = section?.Find(segments[i]);
            keys.Add(segments[i++]);
            section = null;
            if (member is null || i == segments.Length)
            {
                continue;
            }

            switch (member.Kind)
            {
                case SpecValueKind.Section:
                    section = member.Section;
                    break;
                case SpecValueKind.StringMap:
                    keys.Add(string.Join('.', segments[i..]));
                    i = segments.Length;
                    break;
                case SpecValueKind.SweepParameters:
                    var end = Enumerable.Range(i + 1, segments.Length - i).Reverse()
                        .FirstOrDefault(j => SpecSchema.SweepableKeys.ContainsKey(string.Join('.', segments[i..j])), segments.Length);
                    keys.Add(string.Join('.', segments[i..end]));
                    i = end;
                    section = SpecSchema.SweepParameterSection;
                    break;
            }
        }

        return keys;
    }
}
