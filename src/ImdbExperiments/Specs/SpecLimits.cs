namespace ImdbExperiments.Specs;

/// <summary>Bounds on what loading one spec may read and build, so a hostile file or --set value fails fast instead of exhausting memory.</summary>
public static class SpecLimits
{
    /// <summary>A spec file larger than this is refused; at most this many bytes plus one are read.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>How deeply mappings and sequences may nest (aliases count at the depth they are expanded to).</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes of one file or --set value after expanding every alias: bounds "billion laughs" anchors.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Files in one extends chain, the spec itself included.</summary>
    public const int MaxExtendsChain = 16;

    /// <summary>Characters of one --set argument.</summary>
    public const int MaxOverrideLength = 64 * 1024;

    /// <summary>How many --set overrides one command may give.</summary>
    public const int MaxOverrides = 1000;
}
