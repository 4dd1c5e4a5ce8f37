using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Support;

/// <summary>
/// Tests that train share libtorch's global generator (dropout) and thread count, so they run alone, after the rest.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalStateCollection
{
    public const string Name = "libtorch global state";
}
