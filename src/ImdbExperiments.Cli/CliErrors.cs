using System.Net.Http;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Cli;

/// <summary>Turns failures into one readable message and an exit code; a stack trace only for bugs.</summary>
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
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("imdbx: cancelled.");
            return Cancelled;
        }
        catch (Exception e) when (e is SpecException or InvalidDataException or IOException or HttpRequestException
                                      or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failed;
        }
    }
}
