using System.CommandLine;
using System.Globalization;
using ImdbExperiments.Serving;
using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx serve</c>: the model behind MLflow's scoring protocol (<c>POST /invocations</c>, as <c>mlflow models serve</c>),
/// batched and bounded, until SIGINT/SIGTERM (the CLI's one cancellation token), which stops it gracefully with exit code 0.
/// </summary>
static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServingOptions();
        var model = ModelResolution.ModelOption();
        var experiment = ModelResolution.ExperimentOption();
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => defaults.Host };
        // The ranges ServingOptions.Validate enforces, checked at parse time so that a bad value is one line before anything loads.
        var port = CheckedOptions.Int("--port", 0, 65535, defaults.Port, "Port (0 = any free port, printed at start).");
        var maxBatch = CheckedOptions.Int("--max-batch", 1, 4096, defaults.MaxBatch, "Most texts scored in one padded forward pass.");
        var maxWait = CheckedOptions.Int("--max-wait-ms", 0, 10_000, (int)defaults.MaxWait.TotalMilliseconds, "How long a batch waits for more requests to join it.");
        var maxQueue = CheckedOptions.Int("--max-queue", 1, 1_000_000, defaults.MaxQueue, "Requests waiting to be scored; beyond it: 503 with Retry-After.");
        var maxBody = CheckedOptions.Long("--max-body-bytes", 1, 1L << 30, defaults.MaxBodyBytes, "Largest request body (413 beyond).");
        var maxText = CheckedOptions.Int("--max-text-chars", 1, 1 << 30, defaults.MaxTextChars,
            "Longest text in characters (400 beyond); shorter ones are truncated to tokens as in training.");
        var precision = ModelResolution.PrecisionOption();
        var maxLength = ModelResolution.MaxLengthOption();
        var timeout = CheckedOptions.Int("--timeout-seconds", 1, 86_400, (int)defaults.Timeout.TotalSeconds, "Per request, from arrival to answer (504 beyond).");
        var command = new Command("serve", "Serve the model over HTTP with MLflow's scoring protocol (POST /invocations), in dynamic batches.")
        {
            model, experiment, CommonOptions.Set, host, port, maxBatch, maxWait, maxQueue, maxBody, maxText, timeout, precision, maxLength, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var serving = new ServingOptions
            {
                Host = result.GetValue(host)!,
                Port = result.GetValue(port),
                MaxBatch = result.GetValue(maxBatch),
                MaxWait = TimeSpan.FromMilliseconds(result.GetValue(maxWait)),
                MaxQueue = result.GetValue(maxQueue),
                MaxBodyBytes = result.GetValue(maxBody),
                MaxTextChars = result.GetValue(maxText),
                Timeout = TimeSpan.FromSeconds(result.GetValue(timeout)),
            };
            serving.Validate();
            var (folder, options) = await ModelResolution.ResolveAsync(result, model, experiment,
                new SentimentPredictorOptions { BatchSize = serving.MaxBatch, Precision = result.GetValue(precision) ?? InferencePrecision.Auto, MaxLength = result.GetValue(maxLength) },
                cancellationToken);
            using var predictor = SentimentPredictor.Load(folder, options);
            await using var server = await ScoringServer.StartAsync(new PredictorScorer(predictor), serving, Console.Error, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imdbx serve: {folder} at {server.Address} (POST /invocations; max batch {serving.MaxBatch}, wait {serving.MaxWait.TotalMilliseconds} ms, " +
                $"queue {serving.MaxQueue}, body {serving.MaxBodyBytes} bytes, text {serving.MaxTextChars} chars, " +
                $"max length {predictor.Encoder.Options.MaxLength} tokens, {predictor.Precision.Name} ({predictor.Precision.Reason}), timeout {serving.Timeout.TotalSeconds} s); Ctrl-C stops"));
            await server.RunAsync(cancellationToken);
            Console.Error.WriteLine($"imdbx serve: stopped ({CliCancellation.Signal ?? "cancelled"}); every request in flight was answered");
            return 0;
        }));
        return command;
    }
}
