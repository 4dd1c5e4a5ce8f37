using System.Diagnostics;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// One worker process of a <c>--parallel</c> sweep: the same program with the worker's arguments. Its standard output and
/// error come back line by line, whole and prefixed with the worker's name; closing its standard input asks it to stop
/// (it then ends its running trial as KILLED, as after Ctrl-C), so a cancelled sweep stops its workers without a second
/// signal (which would end them at once) and a sweep that dies takes its workers with it.
/// </summary>
public static class SweepWorkerProcess
{
    /// <summary>Runs the worker to its end and returns its exit code and process id; on cancellation, asks it to stop and waits for it.</summary>
    public static async Task<SweepWorkerExit> RunAsync(string program, IReadOnlyList<string> arguments, string prefix, Action<string> output, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start the sweep worker '{program}'.");
        var stdout = ForwardAsync(process.StandardOutput, prefix, output);
        var stderr = ForwardAsync(process.StandardError, prefix, output);
        await using (cancellationToken.Register(() => CloseInput(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        await Task.WhenAll(stdout, stderr);
        return new SweepWorkerExit(process.ExitCode, process.Id);
    }

    /// <summary>For a worker: cancels <paramref name="stop"/> when standard input ends (the sweep that started it stops it, or died).</summary>
    public static void StopWhenInputEnds(Stream input, CancellationTokenSource stop) => _ = Task.Run(async () =>
    {
        var buffer = new byte[256];
        try
        {
            while (await input.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A broken pipe ends the input too.
        }

        try
        {
            await stop.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The worker finished first.
        }
    });

    private static void CloseInput(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task ForwardAsync(StreamReader reader, string prefix, Action<string> output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            output(prefix + line);
        }
    }
}
