using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace ImdbExperiments.Specs;

/// <summary>Reads YAML text into <see cref="SpecNode"/>s that carry file, line and column.</summary>
internal static class YamlTreeReader
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>Reads a spec file's top-level mapping; an empty file is an empty mapping.</summary>
    public static SpecMapping ReadFile(string text, string file, string workingDirectory)
    {
        YamlLimitScanner.Check(text, mark => SpecOrigin.InFile(file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column)), "the spec file", workingDirectory);
        var duplicates = FindDuplicateKeys(text, file, workingDirectory);
        if (duplicates.Count > 0)
        {
            throw new SpecException(duplicates);
        }

        var stream = new YamlStream();
        SpecNode? node;
        try
        {
            stream.Load(new StringReader(text));
            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode.Start;
                throw new SpecException([SpecError.At(SpecOrigin.InFile(file, (int)second.Line, (int)second.Column), "", null,
                    "a spec file holds one YAML document; remove the second '---'", null, workingDirectory)]);
            }

            var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            node = root is null ? null : Convert(root, mark => SpecOrigin.InFile(file, (int)mark.Line, (int)mark.Column));
        }
        catch (YamlException e)
        {
            throw Syntax(e, file, workingDirectory);
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's loader throws this, without a position, for event orders its parser accepted.
            throw new SpecException([SpecError.At(SpecOrigin.InFile(file, 1, 1), "", null, $"invalid YAML: {e.Message}", null, workingDirectory)]);
        }

        return node switch
        {
            null => new SpecMapping([], SpecOrigin.InFile(file, 0, 0)),
            SpecScalar { IsNull: true } => new SpecMapping([], node.Origin),
            SpecMapping mapping => mapping,
            _ => throw new SpecException([SpecError.At(node.Origin, "", null,
                "a spec must be a mapping of keys to values at the top level", null, workingDirectory)]),
        };
    }

    /// <summary>Reads an override's value as a YAML scalar or flow value; text that is not valid YAML is taken as a plain string.</summary>
    /// <exception cref="SpecException">The value is nested too deeply or its aliases expand too far.</exception>
    public static SpecNode ReadValue(string text, SpecOrigin origin, string workingDirectory)
    {
        YamlLimitScanner.Check(text, _ => origin, "the value", workingDirectory);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 1)
            {
                return Convert(stream.Documents[0].RootNode, _ => origin);
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            // Not YAML (YamlDotNet throws ArgumentException for some event orders, e.g. " : x"): the user meant the text itself, and the key's type decides whether that is allowed.
        }

        return new SpecScalar(text, isPlain: true, origin);
    }

    private static SpecNode Convert(YamlNode node, Func<Mark, SpecOrigin> origin) => node switch
    {
        YamlScalarNode scalar => new SpecScalar(
            scalar.Value ?? "",
            isPlain: scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && !(!scalar.Tag.IsEmpty && scalar.Tag.Value == StringTag),
            origin(scalar.Start)),
        YamlSequenceNode sequence => new SpecSequence([.. sequence.Children.Select(c => Convert(c, origin))], origin(sequence.Start)),
        YamlMappingNode mapping => new SpecMapping(
            [.. mapping.Children.Select(kv => new SpecEntry(KeyOf(kv.Key, origin), Convert(kv.Value, origin)))],
            origin(mapping.Start)),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.GetType().Name}."),
    };

    private static SpecScalar KeyOf(YamlNode key, Func<Mark, SpecOrigin> origin) =>
        key is YamlScalarNode scalar
            ? new SpecScalar(scalar.Value ?? "", isPlain: scalar.Style is ScalarStyle.Plain or ScalarStyle.Any, origin(scalar.Start))
            : throw new YamlException(key.Start, key.End, "a spec key must be a plain string");

    private static SpecException Syntax(YamlException e, string file, string workingDirectory)
    {
        var problem = e.InnerException is YamlException inner ? inner.Message : e.Message;
        return new SpecException([SpecError.At(SpecOrigin.InFile(file, (int)e.Start.Line, (int)e.Start.Column), "", null,
            $"invalid YAML: {problem}", null, workingDirectory)]);
    }

    /// <summary>Every duplicate key in the file, with its dotted path; YamlStream would stop at the first.</summary>
    private static List<SpecError> FindDuplicateKeys(string text, string file, string workingDirectory)
    {
        var errors = new List<SpecError>();
        var parser = new Parser(new StringReader(text));
        var stack = new Stack<Frame>();
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current!.End;
                switch (parser.Current)
                {
                    case Scalar scalar:
                        Node(stack, scalar.Value, scalar.Start, errors, file, workingDirectory);
                        break;
                    case AnchorAlias alias:
                        Node(stack, null, alias.Start, errors, file, workingDirectory);
                        break;
                    case MappingStart or SequenceStart:
                        var parent = stack.Count > 0 ? stack.Peek() : null;
                        var isKey = parent is { IsMapping: true, ExpectKey: true };
                        var path = parent is null ? "" : parent.IsMapping ? Join(parent.Path, isKey ? "?" : parent.CurrentKey) : $"{parent.Path}[{parent.Index++}]";
                        stack.Push(new Frame(parser.Current is MappingStart, path, isKey));
                        break;
                    case MappingEnd or SequenceEnd:
                        var done = stack.Pop();
                        if (stack.Count > 0 && stack.Peek().IsMapping)
                        {
                            stack.Peek().ExpectKey = !done.IsKey;
                        }

                        break;
                }
            }
        }
        catch (YamlException e)
        {
            throw Syntax(e, file, workingDirectory);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, for some unclosed flow collections.
            throw new SpecException([SpecError.At(SpecOrigin.InFile(file, Math.Max(1, (int)last.Line), Math.Max(1, (int)last.Column)), "", null,
                "invalid YAML after this point: is a '[', '{' or quote left unclosed?", null, workingDirectory)]);
        }

        return errors;
    }

    private static void Node(Stack<Frame> stack, string? value, Mark start, List<SpecError> errors, string file, string workingDirectory)
    {
        if (stack.Count == 0)
        {
            return;
        }

        var frame = stack.Peek();
        if (!frame.IsMapping)
        {
            frame.Index++;
            return;
        }

        if (!frame.ExpectKey)
        {
            frame.ExpectKey = true;
            return;
        }

        frame.ExpectKey = false;
        frame.CurrentKey = value ?? "?";
        if (value is null)
        {
            return;
        }

        if (frame.Seen.TryGetValue(value, out var first))
        {
            errors.Add(SpecError.At(SpecOrigin.InFile(file, (int)start.Line, (int)start.Column), Join(frame.Path, value), value,
                $"duplicate key (first set at line {first.Line})", null, workingDirectory));
        }
        else
        {
            frame.Seen.Add(value, start);
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private sealed class Frame(bool isMapping, string path, bool isKey)
    {
        public bool IsMapping { get; } = isMapping;

        public string Path { get; } = path;

        public bool IsKey { get; } = isKey;

        public bool ExpectKey { get; set; } = true;

        public string CurrentKey { get; set; } = "";

        public int Index { get; set; }

        public Dictionary<string, Mark> Seen { get; } = new(StringComparer.Ordinal);
    }
}
