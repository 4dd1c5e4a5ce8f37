using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

/// <summary>A second Ctrl-C while the first one's clean stop is still under way: imdbx exits at once, leaving nothing half-written.</summary>
public sealed class ImdbxDoubleSigintTests
{
    [PosixSignalFact]
    public async Task SecondSigint_WhileTheFirstWaitsForTheTrackingServer_ExitsAtOnceWith130_LeavingNoTemporaryAndAWholeJournal()
    {
        // A tracking server that accepts and never answers: the first SIGINT's clean stop then waits for the final flush
        // (PipelineContext.TrackingFlushTimeout, 30 s) after journaling KILLED, which is the window the second SIGINT lands in.
        using var server = new SilentServer();
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"),
            ImdbxCancellationTests.Spec.Replace("uri: file:./mlruns", $"uri: http://127.0.0.1:{server.Port}", StringComparison.Ordinal));

        using var process = ImdbxProcess.Start(project.Path, "train", "--experiment", "x");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await ImdbxCancellationTests.WaitForFirstCheckpointAsync(project, process);
        ImdbxCancellationTests.Signal(process, "INT");
        var journal = await WaitForKilledInJournalAsync(project, process);
        ImdbxCancellationTests.Signal(process, "INT");
        await process.WaitForExitAsync();
        var (output, errors) = (await stdout, await stderr);

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{errors}");
        var again = Assert.Single(errors.Split('\n'), line => line.StartsWith("imdbx: cancelled (", StringComparison.Ordinal));
        Assert.Contains("SIGINT again: exiting at once", again);
        // The clean stop's own last line never came: the second signal cut its flush wait short.
        Assert.DoesNotContain("training stopped after step", errors);
        Assert.DoesNotContain("   at ", errors);

        // Nothing half-written: no stage temporary, no checkpoint or run-folder temporary, nothing published for train.
        var artifacts = project.Combine("artifacts");
        Assert.Empty(Directory.GetFileSystemEntries(artifacts, "*.tmp*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetDirectories(project.Combine("artifacts", "cache"), ".tmp-*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetDirectories(project.Combine("artifacts", "cache", "train")), d => !Path.GetFileName(d).StartsWith('.'));
        Assert.NotEmpty(Directory.GetDirectories(project.Combine("artifacts", "work", "train"), "step-*", SearchOption.AllDirectories));

        // The journal is whole: every line complete JSON, seq 1, 2, 3, ..., and it ends with the run's KILLED status.
        var bytes = File.ReadAllBytes(journal);
        Assert.Equal((byte)'\n', bytes[^1]);
        var events = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal("KILLED", events[^1].GetProperty("status").GetString());
    }

    /// <summary>The run's journal once it holds the KILLED status: the first SIGINT's stop is then waiting for the tracking server.</summary>
    static async Task<string> WaitForKilledInJournalAsync(TempFolder project, System.Diagnostics.Process process)
    {
        var runs = project.Combine("artifacts", "runs");
        while (true)
        {
            if (process.HasExited) Assert.Fail($"imdbx exited ({process.ExitCode}) before it journaled KILLED");
            foreach (var journal in Directory.Exists(runs) ? Directory.GetFiles(runs, "tracking.jsonl", SearchOption.AllDirectories) : [])
            {
                using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (new StreamReader(stream).ReadToEnd().Contains("\"status\":\"KILLED\"", StringComparison.Ordinal)) return journal;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Accepts connections on 127.0.0.1 and never answers, as a hung MLflow server does.</summary>
    sealed class SilentServer : IDisposable
    {
        readonly TcpListener listener = new(IPAddress.Loopback, 0);
        readonly List<TcpClient> clients = [];
        readonly Task accepting;

        public SilentServer()
        {
            listener.Start();
            accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync();
                    lock (clients) clients.Add(client);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            listener.Stop();
            lock (clients) clients.ForEach(c => c.Dispose());
            accepting.Wait();
        }
    }
}
