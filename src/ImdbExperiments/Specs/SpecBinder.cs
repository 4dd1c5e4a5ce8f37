using System.Globalization;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Specs;

/// <summary>Binds a merged YAML tree to the spec records, type-checking every value and collecting every error.</summary>
internal sealed partial class SpecBinder(string workingDirectory, SpecOrigin rootOrigin)
{
    public List<SpecError> Errors { get; } = [];

    /// <summary>Where each dotted key was set: the position of its key node, or its override.</summary>
    public Dictionary<string, SpecOrigin> Origins { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys whose value did not bind; cross-key checks skip them to avoid follow-on errors.</summary>
    public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);

    public string WorkingDirectory { get; } = workingDirectory;

    public ExperimentSpec Bind(SpecMapping root) => (ExperimentSpec)BindSection(SpecSchema.Root, root, "");

    /// <summary>The typed value of a sweep value text (see <see cref="SpecWriter.ValueText"/>).</summary>
    public static object? ParseValueText(SchemaMember target, string text)
    {
        // Stored texts hold absolute paths, so the base folder the binder would resolve against is never used.
        var binder = new SpecBinder(Path.GetPathRoot(Environment.CurrentDirectory) ?? "/", SpecOrigin.None);
        var node = YamlTreeReader.ReadValue(text, SpecOrigin.None, binder.WorkingDirectory);
        return binder.TryBind(target, node, target.Path, out var value)
            ? value
            : throw new InvalidOperationException($"Stored sweep value '{text}' for {target.Path} does not bind: {binder.Errors[0].Message}");
    }

    /// <summary>The origin of a key, else of its nearest enclosing key that was written, else the spec file.</summary>
    public SpecOrigin OriginOf(string key)
    {
        for (var path = key; path.Length > 0; path = path.Contains('.') ? path[..path.LastIndexOf('.')] : "")
        {
            if (Origins.TryGetValue(path, out var origin))
            {
                return origin;
            }
        }

        return rootOrigin;
    }

    /// <summary>Whether the key, or a section it lives in, failed to bind.</summary>
    public bool IsFailed(string key)
    {
        for (var path = key; path.Length > 0; path = path.Contains('.') ? path[..path.LastIndexOf('.')] : "")
        {
            if (Failed.Contains(path))
            {
                return true;
            }
        }

        return false;
    }

    public void Error(SpecOrigin origin, string key, string? value, string problem, IReadOnlyList<string>? allowed = null)
    {
        Errors.Add(SpecError.At(origin, key, value, problem, allowed, WorkingDirectory));
        Failed.Add(key);
    }

    private object BindSection(SchemaSection section, SpecMapping mapping, string path)
    {
        var instance = Activator.CreateInstance(section.Type)!;
        foreach (var entry in mapping.Entries)
        {
            var name = entry.Key.Value;
            var key = Join(path, name);
            var member = section.Find(name);
            if (member is null)
            {
                UnknownKey(entry.Key, key, section);
                continue;
            }

            Origins[key] = entry.Key.Origin;
            if (TryBind(member, entry.Value, key, out var value))
            {
                member.Property.SetValue(instance, value);
            }
            else
            {
                Failed.Add(key);
            }
        }

        return instance;
    }

    private void UnknownKey(SpecScalar keyNode, string key, SchemaSection section)
    {
        var name = keyNode.Value;
        var names = section == SpecSchema.Root ? [SpecSchema.ExtendsKey, .. section.Names] : section.Names;
        if (section == SpecSchema.Root && name == SpecSchema.ExtendsKey)
        {
            Error(keyNode.Origin, key, name, "extends can only be set in a spec file, not from the command line");
            return;
        }

        var where = section.Path.Length == 0 ? "at the top level" : $"in {section.Path}";
        Error(keyNode.Origin, key, name, $"unknown key.{EditDistance.DidYouMean(name, names)} Allowed keys {where}: {string.Join(", ", names)}", names);
    }

    public bool TryBind(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is SpecScalar { IsNull: true } && member.IsNullable)
        {
            return true;
        }

        switch (member.Kind)
        {
            case SpecValueKind.Section:
                if (node is SpecMapping mapping)
                {
                    value = BindSection(member.Section!, mapping, key);
                    return true;
                }

                return TypeError(member, node, key);
            case SpecValueKind.StringList:
                return BindStringList(member, node, key, out value);
            case SpecValueKind.StringMap:
                return BindStringMap(member, node, key, out value);
            case SpecValueKind.SweepParameters:
                return BindSweepParameters(member, node, key, out value);
            case SpecValueKind.SweepTrials:
                return BindSweepTrials(member, node, key, out value);
            default:
                return BindScalar(member, node, key, out value);
        }
    }

    private bool BindScalar(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is not SpecScalar scalar || scalar.IsNull)
        {
            return TypeError(member, node, key);
        }

        var text = scalar.Value;
        switch (member.Kind)
        {
            case SpecValueKind.String:
                return BindString(member, scalar, key, out value);
            case SpecValueKind.Int:
                if (!scalar.IsPlain || !IntegerText().IsMatch(text) || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return TypeError(member, node, key);
                }

                if (integer is < int.MinValue or > int.MaxValue || !member.InRange(integer))
                {
                    return TypeError(member, node, key);
                }

                value = (int)integer;
                return true;
            case SpecValueKind.Double:
                if (!scalar.IsPlain || !NumberText().IsMatch(text))
                {
                    return TypeError(member, node, key);
                }

                var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(number) || !member.InRange(number))
                {
                    return TypeError(member, node, key);
                }

                value = number;
                return true;
            case SpecValueKind.Bool:
                if (scalar.IsPlain && text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    value = text[0] is 't' or 'T';
                    return true;
                }

                return TypeError(member, node, key);
            case SpecValueKind.Enum:
                value = member.Enum!.Parse(text);
                return value is not null || TypeError(member, node, key, EditDistance.DidYouMean(text, member.Enum.Names));
            default:
                throw new InvalidOperationException($"{member.Path}: {member.Kind} is not a scalar kind.");
        }
    }

    private bool BindString(SchemaMember member, SpecScalar scalar, string key, out object? value)
    {
        value = null;
        var text = scalar.Value;
        if (member.EnumText is not null)
        {
            var allowed = member.EnumTextValues;
            if (!allowed.Contains(text, StringComparer.Ordinal))
            {
                return TypeError(member, scalar, key, EditDistance.DidYouMean(text, allowed));
            }
        }
        else if (member.PatternRegex is not null && !member.PatternRegex.IsMatch(text))
        {
            return TypeError(member, scalar, key);
        }

        if (member.IsPath)
        {
            if (text.Trim().Length == 0)
            {
                return TypeError(member, scalar, key);
            }

            text = SpecPaths.Resolve(text, scalar.Origin.BaseFolder(WorkingDirectory));
        }

        value = text;
        return true;
    }

    private bool BindStringList(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is not SpecSequence sequence)
        {
            return TypeError(member, node, key);
        }

        var items = new List<string>();
        var ok = true;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            if (item is not SpecScalar { IsNull: false } scalar || (member.PatternRegex is not null && !member.PatternRegex.IsMatch(scalar.Value)))
            {
                var expected = member.Pattern?.Description ?? "a string";
                Error(item.Origin, $"{key}[{i}]", Text(item), $"expected {expected}, got {Got(item)}", member.Pattern is null ? null : [member.Pattern.Description]);
                ok = false;
                continue;
            }

            items.Add(scalar.Value);
        }

        value = SpecCollections.List(items);
        return ok;
    }

    private bool BindStringMap(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is not SpecMapping mapping)
        {
            return TypeError(member, node, key);
        }

        var ok = true;
        foreach (var entry in mapping.Entries)
        {
            if (entry.Value is not SpecScalar { IsNull: false })
            {
                Error(entry.Value.Origin, Join(key, entry.Key.Value), Text(entry.Value), $"expected a string, got {Got(entry.Value)}");
                ok = false;
            }
        }

        value = SpecCollections.Map(mapping.Entries.Where(e => e.Value is SpecScalar).Select(e => KeyValuePair.Create(e.Key.Value, ((SpecScalar)e.Value).Value)));
        return ok;
    }

    private bool BindSweepParameters(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is not SpecMapping mapping)
        {
            return TypeError(member, node, key);
        }

        var parameters = new List<SweepParameter>();
        var ok = true;
        foreach (var entry in mapping.Entries)
        {
            var parameterKey = Join(key, entry.Key.Value);
            Origins[parameterKey] = entry.Key.Origin;
            var target = SweepTarget(entry.Key, parameterKey);
            var parameter = target is null ? null : entry.Value switch
            {
                SpecSequence sequence => BindValues(target, sequence, parameterKey) is { } values ? new SweepParameter { Key = target.Path, Values = values } : null,
                SpecMapping distribution => BindDistribution(target, distribution, parameterKey),
                _ => Fail<SweepParameter>(entry.Value, parameterKey, $"a list of values of {target.Path} or a mapping with {string.Join(", ", SpecSchema.SweepParameterSection.Names)}"),
            };
            if (parameter is null)
            {
                ok = false;
                Failed.Add(parameterKey);
            }
            else
            {
                parameters.Add(parameter);
            }
        }

        // Sorted so that grid order and random sampling depend only on the content, like the hash.
        value = SpecCollections.List(parameters.OrderBy(p => p.Key, StringComparer.Ordinal));
        return ok;
    }

    private SchemaMember? SweepTarget(SpecScalar keyNode, string errorKey)
    {
        var dotted = keyNode.Value;
        if (SpecSchema.SweepableKeys.TryGetValue(dotted, out var target))
        {
            return target;
        }

        var problem = dotted == "sweep" || dotted.StartsWith("sweep.", StringComparison.Ordinal)
            ? "the sweep section itself cannot be swept"
            : SpecSchema.FindMember(dotted) is { Kind: SpecValueKind.Section }
                ? $"'{dotted}' is a section; sweep one of its keys, e.g. '{SpecSchema.SweepableKeys.Keys.First(k => k.StartsWith(dotted + ".", StringComparison.Ordinal))}'"
                : $"unknown spec key '{dotted}'.{EditDistance.DidYouMean(dotted, SpecSchema.SweepableKeys.Keys)}";
        Error(keyNode.Origin, errorKey, dotted, problem);
        return null;
    }

    private IReadOnlyList<string>? BindValues(SchemaMember target, SpecSequence sequence, string key)
    {
        if (sequence.Items.Count == 0)
        {
            Error(sequence.Origin, key, "[]", "an empty list: give at least one value");
            return null;
        }

        var texts = new List<string>();
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            if (TryBind(target, sequence.Items[i], $"{key}[{i}]", out var item))
            {
                texts.Add(SpecWriter.ValueText(target, item));
            }
        }

        return texts.Count == sequence.Items.Count ? SpecCollections.List(texts) : null;
    }

    private SweepParameter? BindDistribution(SchemaMember target, SpecMapping mapping, string key)
    {
        var section = SpecSchema.SweepParameterSection;
        var parameter = new SweepParameter { Key = target.Path };
        var ok = true;
        foreach (var entry in mapping.Entries)
        {
            var member = section.Find(entry.Key.Value);
            var entryKey = Join(key, entry.Key.Value);
            if (member is null)
            {
                UnknownKey(entry.Key, entryKey, section);
                ok = false;
                continue;
            }

            Origins[entryKey] = entry.Key.Origin;
            if (member.Name == "values")
            {
                // Absent, null and [] all mean "no values", so a written-out distribution reads back the same.
                if (entry.Value is SpecScalar { IsNull: true } or SpecSequence { Items.Count: 0 })
                {
                    continue;
                }

                var values = entry.Value is SpecSequence sequence ? BindValues(target, sequence, entryKey) : Fail<IReadOnlyList<string>>(entry.Value, entryKey, $"a list of values of {target.Path}");
                parameter = values is null ? parameter : parameter with { Values = values };
                ok &= values is not null;
            }
            else if (TryBind(member, entry.Value, entryKey, out var value))
            {
                member.Property.SetValue(parameter, value);
            }
            else
            {
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        var distributions = SpecSchema.SweepParameterSection.Find("distribution")!.Enum!.Names;
        switch (parameter.Distribution)
        {
            case null:
                Error(mapping.Origin, Join(key, "distribution"), null, $"missing: give one of {string.Join(", ", distributions)}", distributions);
                return null;
            case SweepDistribution.Choice:
                if (parameter.Values.Count == 0)
                {
                    Error(mapping.Origin, Join(key, "values"), null, "missing: choice picks from a non-empty list of values");
                    ok = false;
                }

                if (parameter.Min is not null || parameter.Max is not null)
                {
                    Error(OriginOf(Join(key, parameter.Min is not null ? "min" : "max")), Join(key, parameter.Min is not null ? "min" : "max"), null,
                        "min and max are only used with uniform and log_uniform; choice picks from values");
                    ok = false;
                }

                break;
            default:
                ok = CheckBounds(target, parameter, mapping, key);
                break;
        }

        return ok ? parameter : null;
    }

    private bool CheckBounds(SchemaMember target, SweepParameter parameter, SpecMapping mapping, string key)
    {
        var name = SpecWriter.EnumName(parameter.Distribution!.Value);
        if (target.Kind is not (SpecValueKind.Int or SpecValueKind.Double))
        {
            Error(OriginOf(Join(key, "distribution")), Join(key, "distribution"), name,
                $"{name} samples numbers, but {target.Path} is {target.TypeName}; use a list of values or distribution: choice");
            return false;
        }

        if (parameter.Values.Count > 0)
        {
            Error(OriginOf(Join(key, "values")), Join(key, "values"), null, $"values is only used with choice; {name} samples between min and max");
            return false;
        }

        if (parameter.Min is not { } min || parameter.Max is not { } max)
        {
            Error(mapping.Origin, Join(key, parameter.Min is null ? "min" : "max"), null, $"missing: {name} needs both min and max");
            return false;
        }

        var ok = true;
        foreach (var (bound, boundValue) in new[] { ("min", min), ("max", max) })
        {
            if (!target.InRange(boundValue))
            {
                Error(OriginOf(Join(key, bound)), Join(key, bound), Format(boundValue), $"must lie in the range of {target.Path}: {target.RangeText}", [target.RangeText]);
                ok = false;
            }
        }

        if (ok && min >= max)
        {
            Error(OriginOf(Join(key, "max")), Join(key, "max"), Format(max), $"must be greater than min ({Format(min)})");
            ok = false;
        }

        if (ok && parameter.Distribution == SweepDistribution.LogUniform && min <= 0)
        {
            Error(OriginOf(Join(key, "min")), Join(key, "min"), Format(min), "log_uniform needs min > 0");
            ok = false;
        }

        return ok;
    }

    private bool BindSweepTrials(SchemaMember member, SpecNode node, string key, out object? value)
    {
        value = null;
        if (node is not SpecSequence sequence)
        {
            return TypeError(member, node, key);
        }

        var trials = new List<IReadOnlyDictionary<string, string>>();
        var ok = true;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var trialKey = $"{key}[{i}]";
            Origins[trialKey] = sequence.Items[i].Origin;
            if (sequence.Items[i] is not SpecMapping mapping)
            {
                Fail<object>(sequence.Items[i], trialKey, "a mapping of spec keys to values");
                ok = false;
                continue;
            }

            var values = new List<KeyValuePair<string, string>>();
            foreach (var entry in mapping.Entries)
            {
                var entryKey = Join(trialKey, entry.Key.Value);
                Origins[entryKey] = entry.Key.Origin;
                var target = SweepTarget(entry.Key, entryKey);
                if (target is not null && TryBind(target, entry.Value, entryKey, out var item))
                {
                    values.Add(KeyValuePair.Create(target.Path, SpecWriter.ValueText(target, item)));
                }
                else
                {
                    ok = false;
                }
            }

            trials.Add(SpecCollections.Map(values));
        }

        value = SpecCollections.List(trials);
        return ok;
    }

    private bool TypeError(SchemaMember member, SpecNode node, string key, string hint = "")
    {
        var allowed = member.Kind == SpecValueKind.Enum ? member.Enum!.Names
            : member.EnumText is not null ? member.EnumTextValues
            : member.AllowedText.Length > 0 ? [member.AllowedText]
            : null;
        var quoted = node is SpecScalar { IsPlain: false } && member.Kind is SpecValueKind.Int or SpecValueKind.Double or SpecValueKind.Bool
            ? " (remove the quotes)"
            : "";
        if (member.HasCredentials && node is SpecScalar scalar)
        {
            node = new SpecScalar(member.Written(scalar.Value), scalar.IsPlain, scalar.Origin);
        }

        Error(node.Origin, key, Text(node), $"expected {member.Describe()}, got {Got(node)}{quoted}.{hint}".TrimEnd('.'), allowed);
        return false;
    }

    private T? Fail<T>(SpecNode node, string key, string expected)
        where T : class
    {
        Error(node.Origin, key, Text(node), $"expected {expected}, got {Got(node)}");
        return null;
    }

    private static string? Text(SpecNode node) => node is SpecScalar scalar ? scalar.Value : null;

    private static string Got(SpecNode node) => node switch
    {
        SpecScalar { IsNull: true } => "null",
        SpecScalar { IsPlain: true } scalar => $"'{scalar.Value}'",
        SpecScalar scalar => $"the quoted string '{scalar.Value}'",
        SpecSequence => "a list",
        _ => "a mapping",
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex NumberText();
}
