using System.CommandLine;
using ImdbExperiments.Cli;

// imdbx: the console program behind the Cake targets. Thin: parse, call the library, print.
// First of all, for a command that makes tensors: who serves native memory. jemalloc under libtorch can only be loaded
// before the process starts, so the program starts again in place with it preloaded (Training/JemallocPreload.cs), then
// the policy is set before any tensor exists (Training/NativeMemory.cs: jemalloc when loaded, else glibc keeping freed
// memory for reuse; IMDBX_MALLOC chooses). Then the fp32 GEMM path, once, from IMDBX_GEMM and the CPU
// (Modeling/GemmSelection.cs). A bad value of either variable fails here, not mid-training.
var makesTensors = args is [var commandName, ..] && ImdbxCommands.MakesTensors(commandName);
try
{
    if (makesTensors)
    {
        ImdbExperiments.Training.JemallocPreload.StartAgainIfWanted();   // returns only when it did not start again
        ImdbExperiments.Training.NativeMemory.Configure();
    }
    _ = ImdbExperiments.Modeling.GemmSelection.Current;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return CliErrors.Failed;
}

// From here on SIGINT/SIGTERM cancel the work instead of killing the process (CliCancellation.cs).
CliCancellation.Listen();

var parse = ImdbxCommands.Root().Parse(args);
// A bad option value is one line naming the option, the value and what is allowed (CheckedOptions.cs), not System.CommandLine's message and help.
if (CliErrors.RejectCommandLine(parse, Console.Error) is { } usage) return usage;

// System.CommandLine's own termination handling is off: it listens only once the action's synchronous part has run, and
// ends the process 2 s after a signal while the current step is still finishing. Ours covers the whole run.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, CliCancellation.Token);
