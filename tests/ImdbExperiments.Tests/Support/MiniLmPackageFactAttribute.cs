using ImdbExperiments.Modeling;

namespace ImdbExperiments.Tests.Support;

/// <summary>A fact about the MiniLM NuGet package's model, skipped with a reason where restore has not put the package here.</summary>
public sealed class MiniLmPackageFactAttribute : FactAttribute
{
    public MiniLmPackageFactAttribute()
    {
        try
        {
            MiniLmPackage.FindAssembly();
        }
        catch (FileNotFoundException)
        {
            Skip = $"NuGet package {MiniLmPackage.PackageId} {MiniLmPackage.PackageVersion} is not in the global packages folder (dotnet restore fetches it)";
        }
    }
}
