using Microsoft.Extensions.Hosting;

namespace ImdbExperiments.Serving;

/// <summary>Replaces the host's ConsoleLifetime: signals belong to the caller (the CLI's one SIGINT/SIGTERM path), not to the host.</summary>
sealed class ServerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
