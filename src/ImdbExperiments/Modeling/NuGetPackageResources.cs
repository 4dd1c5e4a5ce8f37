using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Finds a package in the NuGet global packages folder and reads the manifest resources embedded in one of its
/// assemblies from the file's bytes (PE resource section), without loading the assembly.
/// </summary>
public static class NuGetPackageResources
{
    /// <summary>NUGET_PACKAGES when set, else ~/.nuget/packages, as NuGet itself decides.</summary>
    public static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>&lt;packages&gt;/&lt;id&gt;/&lt;version&gt;/lib/*/&lt;assemblyFileName&gt;; the first target framework in ordinal order.</summary>
    public static string FindAssembly(string packageId, string version, string assemblyFileName)
    {
        var packageFolder = Path.Combine(GlobalPackagesFolder(), packageId.ToLowerInvariant(), version.ToLowerInvariant());
        var lib = Path.Combine(packageFolder, "lib");
        var found = Directory.Exists(lib)
            ? Directory.GetDirectories(lib).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, assemblyFileName)).FirstOrDefault(File.Exists)
            : null;
        return found ?? throw new FileNotFoundException(
            $"NuGet package {packageId} {version} is not in {GlobalPackagesFolder()} (looked for lib/*/{assemblyFileName} under {packageFolder}). " +
            "Run `dotnet restore` on the solution: the library's PackageDownload fetches it.", Path.Combine(lib, assemblyFileName));
    }

    /// <summary>Names of the resources embedded in the assembly.</summary>
    public static IReadOnlyList<string> ListResources(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = Metadata(pe, assemblyPath);
        return metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name)).ToList();
    }

    /// <summary>Copies one embedded resource's bytes to <paramref name="destination"/>.</summary>
    public static void CopyResource(string assemblyPath, string resourceName, Stream destination)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = Metadata(pe, assemblyPath);
        var resource = metadata.ManifestResources.Select(metadata.GetManifestResource)
            .Where(r => metadata.GetString(r.Name) == resourceName)
            .Select(r => (ManifestResource?)r)
            .FirstOrDefault();
        if (resource is not { } found)
            throw new InvalidDataException($"{assemblyPath}: no embedded resource \"{resourceName}\"; it has: {string.Join(", ", ListResources(assemblyPath))}.");
        if (!found.Implementation.IsNil)
            throw new InvalidDataException($"{assemblyPath}: resource \"{resourceName}\" lives in another file, not embedded in this assembly.");

        // The resource section holds each resource as a 4-byte little-endian length, then the bytes.
        var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        var section = pe.GetSectionData(directory.RelativeVirtualAddress);
        if (found.Offset < 0 || found.Offset + 4 > directory.Size || found.Offset + 4 > section.Length)
            throw new InvalidDataException($"{assemblyPath}: resource \"{resourceName}\" has offset {found.Offset} outside the resource section ({directory.Size} bytes).");
        var reader = section.GetReader((int)found.Offset, section.Length - (int)found.Offset);
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.RemainingBytes)
            throw new InvalidDataException($"{assemblyPath}: resource \"{resourceName}\" claims {length} bytes but the section has {reader.RemainingBytes} left; the file is truncated or corrupt.");
        var buffer = new byte[Math.Min(length, 1 << 20)];
        for (var left = length; left > 0;)
        {
            var count = Math.Min(left, buffer.Length);
            reader.ReadBytes(count, buffer, 0);
            destination.Write(buffer, 0, count);
            left -= count;
        }
    }

    public static byte[] ReadResource(string assemblyPath, string resourceName)
    {
        using var memory = new MemoryStream();
        CopyResource(assemblyPath, resourceName, memory);
        return memory.ToArray();
    }

    private static MetadataReader Metadata(PEReader pe, string path)
    {
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
            throw new InvalidDataException($"{path}: not a .NET assembly (no CLI metadata).");
        return pe.GetMetadataReader();
    }
}
