using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ImdbExperiments.Specs;

/// <summary>
/// Walks YAML events (no tree is built) and refuses nesting deeper than <see cref="SpecLimits.MaxDepth"/> or more than
/// <see cref="SpecLimits.MaxNodes"/> nodes once aliases are expanded, before YamlStream's recursive loader sees the text.
/// </summary>
internal static class YamlLimitScanner
{
    /// <summary>Throws a <see cref="SpecException"/> naming the limit; YAML syntax errors are left to the reader that follows.</summary>
    /// <param name="what">What the text is, for messages: "the spec file" or "the --set value".</param>
    public static void Check(string text, Func<Mark, SpecOrigin> origin, string what, string workingDirectory)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<Frame>();
        var anchors = new Dictionary<string, Subtree>(StringComparer.Ordinal);
        long nodes = 0;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case Scalar scalar:
                        nodes++;
                        Child(open, 0);
                        if (!scalar.Anchor.IsEmpty)
                        {
                            anchors[scalar.Anchor.Value] = new Subtree(1, 0);
                        }

                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            if (open.Any(f => f.Anchor == alias.Value.Value))
                            {
                                throw Limit(origin(alias.Start), $"the alias *{alias.Value.Value} refers to a node that contains it (a cycle)", workingDirectory);
                            }

                            // An undefined alias is a syntax error that the YAML reader reports with its position.
                            return;
                        }

                        nodes += target.Nodes;
                        if (nodes > SpecLimits.MaxNodes)
                        {
                            throw Limit(origin(alias.Start), $"aliases expand {what} to more than {Count(SpecLimits.MaxNodes)} nodes (the limit on nodes after alias expansion; nested anchors and aliases grow exponentially)", workingDirectory);
                        }

                        if (open.Count + target.Height > SpecLimits.MaxDepth)
                        {
                            throw Limit(origin(alias.Start), $"the alias *{alias.Value.Value} nests {what} deeper than {SpecLimits.MaxDepth} levels (the limit on nesting)", workingDirectory);
                        }

                        Child(open, target.Height);
                        break;
                    case NodeEvent start and (MappingStart or SequenceStart):
                        nodes++;
                        open.Push(new Frame(start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes));
                        if (open.Count > SpecLimits.MaxDepth)
                        {
                            throw Limit(origin(start.Start), $"{what} nests mappings and lists deeper than {SpecLimits.MaxDepth} levels (the limit on nesting)", workingDirectory);
                        }

                        break;
                    case MappingEnd or SequenceEnd:
                        var done = open.Pop();
                        Child(open, done.Height + 1);
                        if (done.Anchor is not null)
                        {
                            anchors[done.Anchor] = new Subtree(nodes - done.NodesBefore + 1, done.Height + 1);
                        }

                        break;
                }

                if (nodes > SpecLimits.MaxNodes)
                {
                    throw Limit(origin(parser.Current!.Start), $"{what} has more than {Count(SpecLimits.MaxNodes)} nodes (the limit on nodes)", workingDirectory);
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // Syntax errors are reported, with their position, by the reader that runs next.
        }
    }

    private static void Child(Stack<Frame> open, int height)
    {
        if (open.Count > 0 && open.Peek().Height < height)
        {
            open.Peek().Height = height;
        }
    }

    private static SpecException Limit(SpecOrigin origin, string problem, string workingDirectory) =>
        new([SpecError.At(origin, "", null, problem, null, workingDirectory)]);

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private sealed class Frame(string? anchor, long nodesBefore)
    {
        public string? Anchor { get; } = anchor;

        /// <summary>The node count after this collection's own start event.</summary>
        public long NodesBefore { get; } = nodesBefore;

        /// <summary>Levels below this collection: 0 when it holds only scalars.</summary>
        public int Height { get; set; }
    }

    private readonly record struct Subtree(long Nodes, int Height);
}
