using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

/// <summary>A temporary working directory for spec tests; specs load relative to it, never to the process's current directory.</summary>
internal sealed class SpecFolder : IDisposable
{
    /// <summary>The smallest valid spec body: a model source is the only required choice.</summary>
    public const string Minimal = "model:\n  name: bert-base-uncased\n";

    public SpecFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "imdbx-specs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public ResolvedSpec Load(string relativePath, params string[] overrides) => SpecLoader.Load(relativePath, overrides, Root);

    public SpecException LoadFails(string relativePath, params string[] overrides) =>
        Assert.Throws<SpecException>(() => SpecLoader.Load(relativePath, overrides, Root));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
