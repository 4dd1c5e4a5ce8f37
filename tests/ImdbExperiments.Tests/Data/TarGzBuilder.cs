using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace ImdbExperiments.Tests.Data;

/// <summary>Builds small .tar.gz archives entry by entry, including entries a real archive should never hold.</summary>
internal sealed class TarGzBuilder
{
    private readonly List<TarEntry> _entries = [];

    public TarGzBuilder File(string name, string text) => File(name, Encoding.UTF8.GetBytes(text));

    public TarGzBuilder File(string name, byte[] content)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        return this;
    }

    public TarGzBuilder Directory(string name)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.Directory, name));
        return this;
    }

    public TarGzBuilder Special(string name, TarEntryType type, string linkName = "")
    {
        var entry = new PaxTarEntry(type, name);
        if (linkName.Length > 0)
        {
            entry.LinkName = linkName;
        }

        _entries.Add(entry);
        return this;
    }

    /// <summary>One valid review per split and label, so an archive is ingestible with partial data allowed.</summary>
    public TarGzBuilder OneReviewEach()
    {
        return File("aclImdb/train/neg/0_1.txt", "Bad.")
            .File("aclImdb/train/pos/0_10.txt", "Good.")
            .File("aclImdb/test/neg/0_2.txt", "Dull.")
            .File("aclImdb/test/pos/0_9.txt", "Fun.");
    }

    public string Write(string path)
    {
        using var file = System.IO.File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var entry in _entries)
        {
            tar.WriteEntry(entry);
        }

        return path;
    }
}
