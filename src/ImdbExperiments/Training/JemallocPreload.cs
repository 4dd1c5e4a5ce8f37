using System.Collections;
using System.Runtime.InteropServices;

namespace ImdbExperiments.Training;

/// <summary>
/// Puts jemalloc under libtorch (<see cref="NativeMemory"/>): a malloc replaces glibc's only if the dynamic loader
/// loads it first, so a process that wants it and lacks it starts the same program again, in place (execve: the same
/// process id, arguments and open files), with <c>LD_PRELOAD</c> naming <c>libjemalloc.so.2</c> and, unless the user
/// set their own, <c>MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1</c> (keep freed pages for reuse, as
/// <see cref="MallocPolicy.Retain"/> does with glibc). This runs first, before any file, tensor or signal handler exists.
/// Children (sweep workers, git) inherit the preload, so an imdbx child finds jemalloc already loaded.
/// </summary>
public static class JemallocPreload
{
    public const string LibraryName = "libjemalloc.so.2";

    /// <summary>Set for the program started again: the library it was given, so that a preload that did not take is not tried twice.</summary>
    public const string MarkerVariable = "IMDBX_JEMALLOC_PRELOADED";

    /// <summary>jemalloc's options when the user sets no <c>MALLOC_CONF</c>: never give freed pages back (jemalloc(3), opt.dirty_decay_ms: a decay time of -1 disables purging).</summary>
    public const string DefaultConf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

    /// <summary>Where Debian, Ubuntu, Fedora and a source build put the library, for this process's architecture.</summary>
    public static IReadOnlyList<string> Candidates()
    {
        var multiarch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x86_64-linux-gnu",
            Architecture.Arm64 => "aarch64-linux-gnu",
            _ => null,
        };
        return [.. (multiarch is null ? [] : new[] { $"/usr/lib/{multiarch}/{LibraryName}" }),
            $"/usr/lib64/{LibraryName}", $"/usr/lib/{LibraryName}", $"/usr/local/lib/{LibraryName}"];
    }

    /// <summary>The first installed candidate; null when jemalloc is not installed.</summary>
    public static string? FindLibrary() => Candidates().FirstOrDefault(File.Exists);

    /// <summary>Whether jemalloc is mapped into this process (Linux: a line of /proc/self/maps names it). Read once: only the
    /// loader can put it under malloc, at start-up, so the answer never changes.</summary>
    public static bool IsLoaded() => loaded.Value;

    static readonly Lazy<bool> loaded = new(() =>
    {
        try
        {
            return OperatingSystem.IsLinux() && IsMapped(File.ReadAllText("/proc/self/maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    });

    /// <summary>Whether a /proc/[pid]/maps text maps a file named libjemalloc.so*.</summary>
    public static bool IsMapped(string maps) =>
        maps.Split('\n').Any(line => line.LastIndexOf('/') is var slash and >= 0 && line[(slash + 1)..].StartsWith("libjemalloc.so", StringComparison.Ordinal));

    static string? restartFailure;

    /// <summary>Why jemalloc is not in this process, in words for the run's environment or an error line.</summary>
    public static string NotLoadedReason() =>
        restartFailure ?? (Environment.GetEnvironmentVariable(MarkerVariable) is { Length: > 0 } tried
            ? $"{tried} was preloaded but the loader did not load it"
            : FindLibrary() is null
                ? $"{LibraryName} is not installed (Debian: apt-get install libjemalloc2)"
                : "this command does not preload it");

    /// <summary>
    /// The environment to start the program again with, or null when there is nothing to do: not Linux, jemalloc not
    /// wanted or already loaded, already tried once (<see cref="MarkerVariable"/>), or not installed.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Plan(MallocChoice choice, bool loaded, string? library, Func<string, string?> environment)
    {
        if (choice is not (MallocChoice.Auto or MallocChoice.Jemalloc) || loaded || library is null
            || !string.IsNullOrEmpty(environment(MarkerVariable)))
            return null;
        var preload = environment("LD_PRELOAD");
        var changes = new Dictionary<string, string>
        {
            // ld.so(8): LD_PRELOAD is a list separated by spaces or colons; ours goes first, so its malloc is the one found.
            ["LD_PRELOAD"] = string.IsNullOrWhiteSpace(preload) ? library : $"{library}:{preload}",
            [MarkerVariable] = library,
        };
        if (string.IsNullOrEmpty(environment("MALLOC_CONF")))
            changes["MALLOC_CONF"] = DefaultConf;
        return changes;
    }

    /// <summary>
    /// Starts this program again with jemalloc preloaded when <c>IMDBX_MALLOC</c> wants it (auto or jemalloc), it is
    /// installed and not yet loaded. Returns only when it did not (nothing to do, or execve failed: then
    /// <see cref="NativeMemory.Configure()"/> falls back, or fails for <c>jemalloc</c>, naming why).
    /// </summary>
    public static void StartAgainIfWanted()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var choice = NativeMemory.ParseChoice(Environment.GetEnvironmentVariable(NativeMemory.EnvironmentVariable));
        if (Plan(choice, IsLoaded(), FindLibrary(), Environment.GetEnvironmentVariable) is not { } changes)
            return;
        string[] arguments;
        try
        {
            arguments = File.ReadAllText("/proc/self/cmdline").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        if (arguments is [.., ""]) arguments = arguments[..^1];   // the list ends with a NUL
        if (arguments.Length == 0)
            return;
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            variables[(string)entry.Key] = (string?)entry.Value ?? "";
        foreach (var (name, value) in changes)
            variables[name] = value;
        // Flush what .NET buffered: execve keeps the file descriptors but not the runtime's buffers.
        Console.Out.Flush();
        Console.Error.Flush();
        execve("/proc/self/exe", [.. arguments, null], [.. variables.Select(v => $"{v.Key}={v.Value}"), null]);
        // Only on failure: go on with glibc, saying why.
        restartFailure = $"starting again with {changes[MarkerVariable]} preloaded failed: errno {Marshal.GetLastPInvokeError()}";
    }

    /// <summary>Once jemalloc is loaded: the marker is dropped, so that a child whose <c>LD_PRELOAD</c> was changed may try for itself.</summary>
    internal static void Loaded() => Environment.SetEnvironmentVariable(MarkerVariable, null);

    /// <summary>jemalloc's account of the heap (its mallctl statistics): bytes allocated, and resident but not allocated; null when unavailable.</summary>
    public static NativeHeap? Heap()
    {
        try
        {
            ulong epoch = 1;
            if (mallctl("epoch", IntPtr.Zero, IntPtr.Zero, ref epoch, (nuint)sizeof(ulong)) != 0)
                return null;
            if (Read("stats.allocated") is not { } allocated || Read("stats.resident") is not { } resident)
                return null;
            return new NativeHeap(checked((long)allocated), checked((long)(resident > allocated ? resident - allocated : 0)));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or OverflowException)
        {
            return null;
        }

        static nuint? Read(string name)
        {
            var length = (nuint)IntPtr.Size;
            return mallctl(name, out var value, ref length, IntPtr.Zero, 0) == 0 ? value : null;
        }
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int execve(string path, string?[] argv, string?[] envp);

    [DllImport(LibraryName, EntryPoint = "mallctl")]
    private static extern int mallctl(string name, out nuint oldp, ref nuint oldlenp, IntPtr newp, nuint newlen);

    [DllImport(LibraryName, EntryPoint = "mallctl")]
    private static extern int mallctl(string name, IntPtr oldp, IntPtr oldlenp, ref ulong newp, nuint newlen);
}
