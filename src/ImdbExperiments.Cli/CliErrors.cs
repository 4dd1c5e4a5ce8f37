using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// Turns failures into one readable message and an exit code. The library's errors are written for
/// users (file, key, value, what is allowed); a stack trace is shown only for what looks like a bug,
/// or for everything with IMDBX_DEBUG=1.
/// </summary>
static class CliErrors
{
    public const int Failed = 1;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException e) when (CliCancellation.Requested)
        {
            var stopped = e is TrainingStoppedException training ? $"; {training.Message}" : "";
            Console.Error.WriteLine($"imdbx: cancelled ({CliCancellation.Signal}{stopped}; run the same command again to resume)");
            return Cancelled;
        }
        catch (Exception e) when (!IsBug(e) && Environment.GetEnvironmentVariable("IMDBX_DEBUG") is not ("1" or "true"))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }

    static bool IsBug(Exception e) => e is NullReferenceException or IndexOutOfRangeException or InvalidCastException
        or NotImplementedException or ArgumentNullException or KeyNotFoundException or DivideByZeroException or AccessViolationException;
}
