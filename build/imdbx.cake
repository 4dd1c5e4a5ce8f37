// How the Cake tasks reach the project's console program: build it once (and again only when a
// source file changed), then run it. All the logic lives in the C# projects, where it is tested.

public sealed class Imdbx
{
    readonly ICakeContext context;
    readonly string configuration;
    readonly DirectoryPath root;
    readonly FilePath stamp;

    public Imdbx(ICakeContext context, string configuration)
    {
        this.context = context;
        this.configuration = configuration;
        root = context.MakeAbsolute(context.Directory("."));
        OutputDirectory = root.Combine($"src/ImdbExperiments.Cli/bin/{configuration}/net10.0");
        stamp = OutputDirectory.CombineWithFilePath(".built");
    }

    public DirectoryPath OutputDirectory { get; }

    /// <summary>True when no source, project or build file is newer than the last successful build.</summary>
    public bool IsUpToDate()
    {
        if (!System.IO.File.Exists(stamp.FullPath)) return false;
        var built = System.IO.File.GetLastWriteTimeUtc(stamp.FullPath);
        var inputs = context.GetFiles(root + "/src/**/*.cs")
            + context.GetFiles(root + "/src/**/*.csproj")
            + context.GetFiles(root + "/Directory.*")
            + context.GetFiles(root + "/build/msbuild/*")
            + context.GetFiles(root + "/global.json");
        return inputs
            .Where(f => !f.FullPath.Contains("/obj/") && !f.FullPath.Contains("/bin/"))
            .All(f => System.IO.File.GetLastWriteTimeUtc(f.FullPath) <= built);
    }

    public void Build(string torchBackend)
    {
        context.DotNetBuild(root + "/src/ImdbExperiments.Cli/ImdbExperiments.Cli.csproj", new DotNetBuildSettings
        {
            Configuration = configuration,
            NoLogo = true,
            Verbosity = DotNetVerbosity.Quiet,
            MSBuildSettings = new DotNetMSBuildSettings().WithProperty("TorchBackend", torchBackend),
        });
        System.IO.File.WriteAllText(stamp.FullPath, DateTime.UtcNow.ToString("O"));
    }

    /// <summary>Runs imdbx with the arguments; a non-zero exit fails the task (imdbx has already printed why).</summary>
    public void Run(params string[] arguments)
    {
        var builder = new ProcessArgumentBuilder();
        foreach (var argument in arguments) builder.AppendQuoted(argument);
        // Ctrl-C reaches the whole process group: imdbx stops after its current step and exits 130. Cake must outlive it
        // (not die at once and leave it running behind the prompt), then fail with that exit code.
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, signal => signal.Cancel = true);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal => signal.Cancel = true);
        var exitCode = context.StartProcess(OutputDirectory.CombineWithFilePath("imdbx").FullPath, new ProcessSettings
        {
            Arguments = builder,
            WorkingDirectory = root,
        });
        if (exitCode == 130)
        {
            // Cake 7 turns any exception from a task into exit code 1; a cancelled run must end with imdbx's 130.
            context.Log.Error($"imdbx {arguments.FirstOrDefault()} was cancelled (exit code 130); run the same target again to resume.");
            Environment.Exit(exitCode);
        }
        if (exitCode != 0) throw new CakeException(exitCode, $"imdbx {arguments.FirstOrDefault()} failed (exit code {exitCode}).");
    }
}
