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
        var port = new Option<int>("--port") { Description = "Port (0 = any free port, printed at start).", DefaultValueFactory = _ => defaults.Port };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most texts scored in one padded forward pass.", DefaultValueFactory = _ => defaults.MaxBatch };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "How long a batch waits for more requests to join it.", DefaultValueFactory = _ => (int)defaults.MaxWait.TotalMilliseconds };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests waiting to be scored; beyond it: 503 with Retry-After.", DefaultValueFactory = _ => defaults.MaxQueue };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body (413 beyond).", DefaultValueFactory = _ => defaults.MaxBodyBytes };
        var maxText = new Option<int>("--max-text-chars") { Description = "Longest text in characters (400 beyond); shorter ones are truncated to tokens as in training.", DefaultValueFactory = _ => defaults.MaxTextChars };
        var precision = ModelResolution.PrecisionOption();
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per text including [CLS]/[SEP] (default: the experiment's, else the model's limit)." };
        var timeout = new Option<int>("--timeout-seconds") { Description = "Per request, from arrival to answer (504 beyond).", DefaultValueFactory = _ => (int)defaults.Timeout.TotalSeconds };
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
                MaxWait = TimeSpan.FromMilliseconds(Math.Clamp(result.GetValue(maxWait), -1, int.MaxValue)),
                MaxQueue = result.GetValue(maxQueue),
                MaxBodyBytes = result.GetValue(maxBody),
                MaxTextChars = result.GetValue(maxText),
                Timeout = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(timeout), 0, 86_401)),
            };
            serving.Validate();
            var (folder, options) = await ModelResolution.ResolveAsync(result, model, experiment,
                new SentimentPredictorOptions { BatchSize = serving.MaxBatch, Precision = result.GetValue(precision), MaxLength = result.GetValue(maxLength) },
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
