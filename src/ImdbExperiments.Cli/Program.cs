using System.CommandLine;
using ImdbExperiments.Cli;

// imdbx: the console program behind the Cake targets. Thin: parse, call the library, print.
// First of all, for a command that makes tensors: jemalloc under libtorch, which can only be loaded before the process
// starts, so the program starts again in place with it preloaded (Training/JemallocPreload.cs; IMDBX_MALLOC chooses).
var makesTensors = args is [var commandName, ..] && ImdbxCommands.MakesTensors(commandName);
try
{
    if (makesTensors)
        ImdbExperiments.Training.JemallocPreload.StartAgainIfWanted();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return CliErrors.Failed;
}

// From here on SIGINT/SIGTERM cancel the work instead of killing the process (CliCancellation.cs).
CliCancellation.Listen();

// Before any tensor exists: who serves native memory (Training/NativeMemory.cs: jemalloc when loaded, else glibc keeping
// freed memory for reuse; IMDBX_MALLOC=system opts out).
try
{
    if (makesTensors)
        ImdbExperiments.Training.NativeMemory.Configure();
    // The fp32 GEMM path, once, from IMDBX_GEMM and the CPU (Modeling/GemmSelection.cs): a bad value fails here, not mid-training.
    _ = ImdbExperiments.Modeling.GemmSelection.Current;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return CliErrors.Failed;
}

var parse = ImdbxCommands.Root().Parse(args);
// A bad option value is one line naming the option, the value and what is allowed (CheckedOptions.cs), not System.CommandLine's message and help.
if (CliErrors.RejectCommandLine(parse, Console.Error) is { } usage) return usage;

// System.CommandLine's own termination handling is off: it listens only once the action's synchronous part has run, and
// ends the process 2 s after a signal while the current step is still finishing. Ours covers the whole run.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, CliCancellation.Token);
