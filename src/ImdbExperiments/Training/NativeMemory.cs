using System.Runtime.InteropServices;

namespace ImdbExperiments.Training;

/// <summary>Who serves libtorch's native blocks in this process (<c>IMDBX_MALLOC</c>, recorded as <c>malloc</c> in a run's environment).</summary>
public enum MallocPolicy
{
    /// <summary>glibc's malloc with its defaults: large blocks mmapped and unmapped on free, the heap trimmed.</summary>
    System,
    /// <summary>glibc's malloc with per-block mmap and heap trimming off: freed memory is reused, but the heap fragments.</summary>
    Retain,
    /// <summary>jemalloc, preloaded, keeping the pages it frees (<c>dirty_decay_ms:-1</c>): reused by size class, without glibc's fragmentation.</summary>
    Jemalloc,
}

/// <summary>
/// Keeps the memory libtorch frees inside the process, so the next training step reuses it instead of faulting in
/// fresh pages from the kernel, without letting the retained memory grow from step to step.
/// <para>
/// libtorch has no caching allocator on the CPU: every tensor's block comes from <c>posix_memalign</c> and goes back
/// with <c>free</c>. glibc serves every block over its mmap threshold (adaptive, at most 32 MB) with its own mmap and
/// unmaps it on free, so each step the kernel zeroes the same gigabytes again (for MiniLM-L6 at 16 x 256 about
/// 430,000 page faults a step). With glibc's mmap and trimming off (<see cref="MallocPolicy.Retain"/>) the blocks are
/// reused, but glibc's heap fragments as a step's blocks of many sizes are freed and reallocated: it grew by about
/// 0.1 GB a step, up to 1.5x the peak of a plain PyTorch process (MiniLM-L6 16 x 256). jemalloc, loaded before the
/// process starts and told to keep what it frees, reuses blocks by size class: the same step, as fast or faster, at
/// 0.75x PyTorch's peak, flat from step to step (README, "Speed on the CPU").
/// </para>
/// <para>
/// A malloc can only replace glibc's before the process starts, so <see cref="JemallocPreload"/> starts the program
/// again with <c>LD_PRELOAD</c> (once, before anything else runs). <c>IMDBX_MALLOC</c>: <c>auto</c> (the default:
/// jemalloc when <c>libjemalloc.so.2</c> is installed, else glibc retaining), <c>jemalloc</c> (required: an error
/// without it), <c>retain</c> or <c>system</c> (glibc's defaults). Elsewhere than Linux this does nothing.
/// </para>
/// </summary>
public static class NativeMemory
{
    public const string EnvironmentVariable = "IMDBX_MALLOC";
    public const string Allowed = "auto (the default: jemalloc when installed, else retain), jemalloc, retain (glibc keeping freed memory) or system (glibc's defaults)";

    // glibc's malloc.h
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    /// <summary>What serves native blocks in this process; <see cref="MallocPolicy.System"/> until <see cref="Configure(string?)"/> says otherwise.</summary>
    public static MallocPolicy Policy { get; private set; } = MallocPolicy.System;

    /// <summary>Why <see cref="Policy"/> is what it is (recorded beside it; null when it is what was asked for).</summary>
    public static string? Reason { get; private set; }

    /// <summary>The lower-case name a run's environment and the bench record: system, retain or jemalloc.</summary>
    public static string Name(MallocPolicy policy) => policy.ToString().ToLowerInvariant();

    /// <summary>Reads <c>IMDBX_MALLOC</c>; throws an <see cref="ArgumentException"/> naming it and what is allowed for anything else.</summary>
    public static MallocChoice ParseChoice(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "auto" => MallocChoice.Auto,
        "jemalloc" => MallocChoice.Jemalloc,
        "retain" => MallocChoice.Retain,
        "system" => MallocChoice.System,
        _ => throw new ArgumentException($"{EnvironmentVariable} is '{Modeling.BertConfig.Abbreviate(value)}'; allowed: {Allowed}."),
    };

    /// <summary>
    /// Sets this process's policy from <c>IMDBX_MALLOC</c>, once, before the first tensor: jemalloc when it is loaded
    /// (<see cref="JemallocPreload"/> has run), else glibc retaining unless <c>system</c>. Returns the policy.
    /// </summary>
    public static MallocPolicy Configure() => Configure(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary><see cref="Configure()"/> with <paramref name="value"/> as the variable's value (tests: no process-wide variable a child could inherit).</summary>
    public static MallocPolicy Configure(string? value)
    {
        var choice = ParseChoice(value);
        Reason = null;
        if (JemallocPreload.IsLoaded())
        {
            // Whatever was asked for, a preloaded jemalloc is what serves malloc here, and the record says so.
            JemallocPreload.Loaded();
            if (choice is not (MallocChoice.Auto or MallocChoice.Jemalloc))
                Reason = $"{EnvironmentVariable}={value} asks for glibc, but jemalloc was preloaded (LD_PRELOAD)";
            return Policy = MallocPolicy.Jemalloc;
        }
        if (choice == MallocChoice.System || !OperatingSystem.IsLinux())
            return Policy = MallocPolicy.System;
        if (choice == MallocChoice.Jemalloc)
            throw new ArgumentException($"{EnvironmentVariable} is 'jemalloc' but jemalloc is not loaded in this process ({JemallocPreload.NotLoadedReason()}).");
        if (choice == MallocChoice.Auto)
            Reason = JemallocPreload.NotLoadedReason();
        try
        {
            var retaining = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            return Policy = retaining ? MallocPolicy.Retain : MallocPolicy.System;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Reason = "not glibc";   // musl has no mallopt
            return Policy = MallocPolicy.System;
        }
    }

    /// <summary>
    /// glibc's own account of the native heap (mallinfo2, glibc 2.33+, every arena): bytes handed out to the process
    /// (libtorch's tensors among them) and bytes free but kept; under jemalloc, jemalloc's account of the same
    /// (<see cref="JemallocPreload.Heap"/>); null elsewhere than Linux.
    /// </summary>
    public static NativeHeap? Heap()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        if (Policy == MallocPolicy.Jemalloc)
            return JemallocPreload.Heap();
        try
        {
            var info = mallinfo2();
            return new NativeHeap(checked((long)(info.uordblks + info.hblkhd)), checked((long)info.fordblks));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>glibc's malloc_trim(0): gives free heap pages back to the kernel; false where it did nothing or is not glibc.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux() || Policy == MallocPolicy.Jemalloc)
            return false;
        try
        {
            return malloc_trim(0) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 mallinfo2();

    // glibc's struct mallinfo2: ten size_t fields, in this order.
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }
}

/// <summary>The value of <c>IMDBX_MALLOC</c>.</summary>
public enum MallocChoice { Auto, Jemalloc, Retain, System }

/// <param name="InUseBytes">allocated and not freed (heap chunks in use plus mmapped blocks)</param>
/// <param name="FreeBytes">freed but kept in the heap for reuse</param>
public sealed record NativeHeap(long InUseBytes, long FreeBytes);
