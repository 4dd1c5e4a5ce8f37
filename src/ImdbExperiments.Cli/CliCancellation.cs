using System.Runtime.InteropServices;

namespace ImdbExperiments.Cli;

/// <summary>
/// The one path from SIGINT/SIGTERM to every long loop: the first signal cancels <see cref="Token"/> (the loops stop
/// after their current step, the run is recorded as KILLED, temporaries are removed); a second exits at once.
/// Registered before anything runs, so no window exists where the runtime's default (instant death) applies.
/// </summary>
static class CliCancellation
{
    static readonly CancellationTokenSource Source = new();
    static readonly object Gate = new();
    static PosixSignalRegistration[] registrations = [];
    static int signals;

    public static CancellationToken Token => Source.Token;

    /// <summary>The signal that asked to stop (SIGINT, SIGTERM), or null while none has.</summary>
    public static string? Signal { get; private set; }

    public static bool Requested => Signal is not null;

    public static void Listen()
    {
        lock (Gate)
        {
            if (registrations.Length > 0) return;
            registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
        }
    }

    static void OnSignal(PosixSignalContext context)
    {
        // Keep running: the work stops at its next step boundary, not wherever the signal lands.
        context.Cancel = true;
        if (Interlocked.Increment(ref signals) > 1)
        {
            Console.Error.WriteLine($"imdbx: cancelled ({Name(context.Signal)} again: exiting at once; the last checkpoint is kept)");
            // Not Environment.Exit: from the signal thread it waits for the runtime's shutdown, seconds while a step runs.
            ExitNow(CliErrors.Cancelled);
        }
        Signal = Name(context.Signal);
        Console.Error.WriteLine($"imdbx: {Signal}: stopping after the current step (press Ctrl-C again to exit at once)");
        try
        {
            Source.Cancel();
        }
        catch (AggregateException e)
        {
            // A callback that throws must not take the signal thread (and the clean stop) down with it.
            Console.Error.WriteLine($"imdbx: while cancelling: {e.InnerException?.Message}");
        }
    }

    [DllImport("libc", EntryPoint = "_exit")]
    static extern void ExitNow(int status);

    static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGTERM => "SIGTERM",
        _ => signal.ToString(),
    };
}
