using System.Runtime.InteropServices;

namespace ImdbExperiments.Training;

/// <summary>
/// Keeps the memory libtorch frees inside the process, so the next training step reuses it instead of faulting in
/// fresh pages from the kernel.
/// <para>
/// glibc serves every block over its mmap threshold (adaptive, at most 32 MB) with its own mmap and unmaps it on free,
/// and gives the top of the heap back once enough of it is free. A training step allocates and frees gigabytes of
/// activations, so each step the kernel zeroes them again: for MiniLM-L6 at 16 x 256 about 430,000 page faults a step.
/// With mmap off and trimming off, blocks come from the heap and stay there: about 110,000 faults a step, and the step
/// takes 2.0 s instead of 2.5 s on 2 cores (bench target, separate processes) at about the same peak RSS (3.4 GB). The
/// price is that the process keeps its peak memory until it exits.
/// </para>
/// <para>
/// Set <c>IMDBX_MALLOC=system</c> to leave glibc's defaults alone. Elsewhere than glibc on Linux this does nothing.
/// </para>
/// </summary>
public static class NativeMemory
{
    public const string EnvironmentVariable = "IMDBX_MALLOC";

    // glibc's malloc.h
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    /// <summary>True when this process retains freed memory (applied by <see cref="RetainFreedMemory"/>).</summary>
    public static bool Retaining { get; private set; }

    /// <summary>
    /// Turns off glibc's per-block mmap and heap trimming for the rest of the process, unless
    /// <c>IMDBX_MALLOC=system</c>. Returns whether it did; call it once, before the first tensor.
    /// </summary>
    public static bool RetainFreedMemory() => RetainFreedMemory(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary><see cref="RetainFreedMemory()"/> with <paramref name="choice"/> as the variable's value (tests: no process-wide variable a child process could inherit).</summary>
    public static bool RetainFreedMemory(string? choice)
    {
        if (string.Equals(choice, "system", StringComparison.OrdinalIgnoreCase))
            return false;
        if (!string.IsNullOrEmpty(choice) && !string.Equals(choice, "retain", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{EnvironmentVariable} is '{choice}'; allowed: retain (the default: keep freed memory for reuse) or system (glibc's defaults).");
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            Retaining = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Retaining = false;   // not glibc (musl has no mallopt)
        }
        return Retaining;
    }

    /// <summary>
    /// glibc's own account of the native heap (mallinfo2, glibc 2.33+, every arena): bytes handed out to the process
    /// (libtorch's tensors among them) and bytes free but kept; null elsewhere than glibc.
    /// </summary>
    public static NativeHeap? Heap()
    {
        if (!OperatingSystem.IsLinux())
            return null;
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
        if (!OperatingSystem.IsLinux())
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

/// <param name="InUseBytes">allocated and not freed (heap chunks in use plus mmapped blocks)</param>
/// <param name="FreeBytes">freed but kept in the heap for reuse</param>
public sealed record NativeHeap(long InUseBytes, long FreeBytes);
