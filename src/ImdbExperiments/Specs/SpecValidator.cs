namespace ImdbExperiments.Specs;

/// <summary>Rules that involve more than one key, checked after every key has bound.</summary>
internal static class SpecValidator
{
    private static readonly string[] ModelSources = ["name", "path", "onnx", "package"];

    public static void Validate(ExperimentSpec spec, SpecBinder binder)
    {
        ValidateModelSource(spec.Model, binder);
        ValidateShapes(spec, binder);
        ValidateTagKeys(spec.Tracking, binder);
        ValidateTableFiles(spec.Data, binder);
        ValidateTarget(spec.Data, binder);
        if (spec.Sweep is not null && !binder.Failed.Any(k => k == "sweep" || k.StartsWith("sweep.", StringComparison.Ordinal)))
        {
            ValidateSweep(spec.Sweep, binder);
        }
    }

    private static void ValidateModelSource(ModelSpec model, SpecBinder binder)
    {
        if (ModelSources.Append("init").Any(k => binder.IsFailed($"model.{k}")))
        {
            return;
        }

        var set = new List<string>();
        if (model.Name is not null) set.Add("name");
        if (model.Path is not null) set.Add("path");
        if (model.Onnx is not null) set.Add("onnx");
        if (model.Package is not null) set.Add("package");
        if (model.Init == ModelInit.Random) set.Add("init");

        string[] allowed = [.. ModelSources, "init: random"];
        if (set.Count == 0)
        {
            binder.Error(binder.OriginOf("model"), "model", null,
                "no model source: set exactly one of model.name, model.path, model.onnx, model.package or model.init: random", allowed);
        }
        else if (set.Count > 1)
        {
            var where = set.Select(k => $"{(k == "init" ? "init: random" : k)} ({Describe(binder.OriginOf($"model.{k}"), binder.WorkingDirectory)})");
            binder.Error(binder.OriginOf($"model.{set[^1]}"), "model", null,
                $"exactly one model source may be set, got {string.Join(", ", where)}; set the others to null (or init to pretrained)", allowed);
        }
    }

    /// <summary>data.target: rating reads the star ratings of the IMDb archive's file names; a table or a Hub dataset has none.</summary>
    private static void ValidateTarget(DataSpec data, SpecBinder binder)
    {
        if (data.Target == DataTarget.Rating && data.Source is not (DataSource.Imdb or DataSource.Synthetic) && Bound(binder, "data.source", "data.target"))
        {
            binder.Error(binder.OriginOf("data.target"), "data.target", "rating",
                $"'rating' needs the IMDb archive's star ratings, but data.source is {data.Source.ToString().ToLowerInvariant()}; " +
                "set data.target to label, or data.source to imdb or synthetic");
        }
    }

    /// <summary>data.source: files reads data.files.train; without it there is nothing to ingest.</summary>
    private static void ValidateTableFiles(DataSpec data, SpecBinder binder)
    {
        if (data.Source == DataSource.Files && data.Files.Train is null && Bound(binder, "data.source", "data.files.train"))
        {
            binder.Error(binder.OriginOf("data.source"), "data.files.train", null,
                "data.source is files but data.files.train is not set", ["a path to a .csv, .tsv, .jsonl or .parquet file"]);
        }
    }

    /// <summary>
    /// Tag keys are file paths in MLflow's file store (tags/&lt;key&gt;), so one that resolves to another name is refused here;
    /// characters MLflow does not accept are left to the tracker, which replaces them with '_' and says so.
    /// </summary>
    private static void ValidateTagKeys(TrackingSpec tracking, SpecBinder binder)
    {
        foreach (var key in tracking.Tags.Keys)
        {
            var normalized = Tracking.MlflowLimits.PosixNormalize(key.Replace('\\', '/'));
            if (key.Length == 0 || normalized != key || normalized == "." || normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            {
                binder.Error(binder.OriginOf($"tracking.tags.{key}"), $"tracking.tags.{key}", key,
                    $"a tag key is a file path in MLflow's file store and must not resolve to another name; '{key}' resolves to '{normalized}'",
                    ["a key without empty, '.' or '..' parts, not starting with '/'"]);
            }
        }
    }

    private static void ValidateShapes(ExperimentSpec spec, SpecBinder binder)
    {
        var random = spec.Model.Random;
        if (spec.Model.Init == ModelInit.Random)
        {
            if (Bound(binder, "model.random.hidden_size", "model.random.num_attention_heads") && random.HiddenSize % random.NumAttentionHeads != 0)
            {
                binder.Error(binder.OriginOf("model.random.hidden_size"), "model.random.hidden_size", Text(random.HiddenSize),
                    $"{random.HiddenSize} is not divisible by num_attention_heads ({random.NumAttentionHeads})");
            }

            if (Bound(binder, "model.random.max_position_embeddings", "tokenizer.max_length") && random.MaxPositionEmbeddings < spec.Tokenizer.MaxLength)
            {
                binder.Error(binder.OriginOf("model.random.max_position_embeddings"), "model.random.max_position_embeddings", Text(random.MaxPositionEmbeddings),
                    $"{random.MaxPositionEmbeddings} is less than tokenizer.max_length ({spec.Tokenizer.MaxLength})", [$">= {spec.Tokenizer.MaxLength}"]);
            }
        }

        var tokenizer = spec.Tokenizer;
        if (tokenizer.Truncation == TruncationMode.HeadTail && Bound(binder, "tokenizer.head_tokens", "tokenizer.max_length", "tokenizer.truncation") &&
            tokenizer.HeadTokens >= tokenizer.MaxLength - 2)
        {
            binder.Error(binder.OriginOf("tokenizer.head_tokens"), "tokenizer.head_tokens", Text(tokenizer.HeadTokens),
                $"with truncation: head+tail, head_tokens must be less than max_length - 2 ({tokenizer.MaxLength - 2}), got {tokenizer.HeadTokens}",
                [$"1..{tokenizer.MaxLength - 3}"]);
        }
    }

    private static void ValidateSweep(SweepSpec sweep, SpecBinder binder)
    {
        var method = SpecWriter.EnumName(sweep.Method);
        void NotUsed(string key, string why) => binder.Error(binder.OriginOf($"sweep.{key}"), $"sweep.{key}", null, $"not used with method: {method}; {why}");

        switch (sweep.Method)
        {
            case SweepMethod.Grid or SweepMethod.Random or SweepMethod.Tpe:
                if (sweep.Parameters.Count == 0)
                {
                    binder.Error(binder.OriginOf("sweep.parameters"), "sweep.parameters", null, $"method: {method} needs at least one entry in sweep.parameters");
                }

                if (sweep.List.Count > 0)
                {
                    NotUsed("list", "the trials come from sweep.parameters (use method: list for explicit trials)");
                }

                break;
            case SweepMethod.List:
                if (sweep.List.Count == 0)
                {
                    binder.Error(binder.OriginOf("sweep.list"), "sweep.list", null, "method: list needs at least one trial in sweep.list");
                }

                if (sweep.Parameters.Count > 0)
                {
                    NotUsed("parameters", "put each trial's values in sweep.list");
                }

                break;
        }

        ValidateSearch(sweep, binder);
        if (sweep.Method is SweepMethod.Random or SweepMethod.Tpe)
        {
            if (sweep.Trials is null)
            {
                binder.Error(binder.OriginOf("sweep.trials"), "sweep.trials", null, $"required with method: {method}: how many trials to {(sweep.Method == SweepMethod.Tpe ? "propose" : "sample")}");
            }

            return;
        }

        if (sweep.Trials is not null)
        {
            NotUsed("trials", "only method: random samples a number of trials");
        }

        if (sweep.Seed is not null)
        {
            NotUsed("seed", "only methods random and tpe sample");
        }

        foreach (var parameter in sweep.Parameters.Where(p => sweep.Method == SweepMethod.Grid && p.Distribution is not null))
        {
            var key = $"sweep.parameters.{parameter.Key}";
            binder.Error(binder.OriginOf(key), key, null, $"distributions are only used with methods random and tpe; give a list of values for method: {method}");
        }
    }

    /// <summary>The tpe settings and the successive-halving pruners' keys: each used only where it means something.</summary>
    private static void ValidateSearch(SweepSpec sweep, SpecBinder binder)
    {
        if (sweep.Tpe is not null && sweep.Method != SweepMethod.Tpe)
        {
            binder.Error(binder.OriginOf("sweep.tpe"), "sweep.tpe", null, $"not used with method: {SpecWriter.EnumName(sweep.Method)}; only method: tpe reads sweep.tpe", ["method: tpe", "sweep.tpe: null"]);
        }

        if (sweep.Method == SweepMethod.Tpe && sweep.Tpe is { } tpe && sweep.Trials is { } trials && tpe.StartupTrials > trials)
        {
            binder.Error(binder.OriginOf("sweep.tpe.n_startup_trials"), "sweep.tpe.n_startup_trials", Text(tpe.StartupTrials),
                $"{tpe.StartupTrials} random startup trials leave none of the {trials} sweep.trials to TPE", [$"1..{trials}"]);
        }

        if (sweep.EarlyStopping is not { } rule || binder.IsFailed("sweep.early_stopping"))
        {
            return;
        }

        var type = SpecWriter.EnumName(rule.Type);
        if (rule.Type != EarlyStoppingRule.Asha && rule.MinEarlyStoppingRate != 0)
        {
            binder.Error(binder.OriginOf("sweep.early_stopping.min_early_stopping_rate"), "sweep.early_stopping.min_early_stopping_rate", Text(rule.MinEarlyStoppingRate),
                $"only used with type: asha (hyperband gives each bracket its own rate); remove it for type: {type}", ["0"]);
        }

        if (rule.Type != EarlyStoppingRule.Hyperband && rule.MaxResource is not null)
        {
            binder.Error(binder.OriginOf("sweep.early_stopping.max_resource"), "sweep.early_stopping.max_resource", Text(rule.MaxResource.Value),
                $"only used with type: hyperband; remove it for type: {type}", ["null"]);
        }

        if (rule.Type == EarlyStoppingRule.Hyperband && rule.MaxResource is { } max && max < rule.MinResource * rule.ReductionFactor)
        {
            binder.Error(binder.OriginOf("sweep.early_stopping.max_resource"), "sweep.early_stopping.max_resource", Text(max),
                $"hyperband needs max_resource >= min_resource * reduction_factor ({rule.MinResource * rule.ReductionFactor}) for a rung to halve at", [$">= {rule.MinResource * rule.ReductionFactor}"]);
        }
    }

    private static bool Bound(SpecBinder binder, params string[] keys) => !keys.Any(binder.IsFailed);

    /// <summary>
    /// Runs each trial of a list sweep, and each combination of a grid of at most <paramref name="maxGrid"/> trials, through
    /// <see cref="ResolvedSpec.With"/>, so that a trial that breaks a cross-key rule fails now rather than hours into the sweep.
    /// Random sweeps are checked value by value only: their trials are not known until sampled.
    /// </summary>
    public static void ValidateTrials(ResolvedSpec resolved, SpecBinder binder, int maxGrid = 1000)
    {
        var sweep = resolved.Spec.Sweep!;
        var trials = sweep.Method switch
        {
            SweepMethod.List => sweep.List.Select((trial, i) => (Key: $"sweep.list[{i}]", Values: trial)),
            SweepMethod.Grid when sweep.Parameters.Aggregate(1L, (n, p) => n * p.Values.Count) <= maxGrid =>
                Grid(sweep.Parameters).Select(trial => (Key: "sweep.parameters", Values: trial)),
            _ => [],
        };

        if (sweep.Method == SweepMethod.Random && resolved.Spec.Tracking.RunName is { } fixedName && sweep.Parameters.All(p => p.Key != "tracking.run_name"))
        {
            binder.Error(binder.OriginOf("tracking.run_name"), "tracking.run_name", fixedName,
                $"every sampled trial would share the run name '{fixedName}' and so the run folder; in a sweep leave tracking.run_name null (each trial gets <name>-<hash>)");
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        var runNames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (resolved.Spec.Tracking.RunName is { } sweepRunName)
        {
            runNames[sweepRunName] = "the sweep's parent run";
        }

        foreach (var (key, values) in trials)
        {
            try
            {
                // A run name is a run folder (artifacts/runs/<name>): two runs with one name would share a journal.
                if (resolved.With(values).Spec.Tracking.RunName is { } runName && !runNames.TryAdd(runName, key) && reported.Add($"run_name {runName}"))
                {
                    binder.Error(binder.OriginOf("tracking.run_name"), "tracking.run_name", runName,
                        $"{key} and {runNames[runName]} would share the run name '{runName}' and so the run folder; " +
                        "in a sweep leave tracking.run_name null (each trial gets <name>-<hash>) or give each trial in sweep.list its own");
                }
            }
            catch (SpecException e)
            {
                var trial = string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value}"));
                foreach (var error in e.Errors.Where(error => reported.Add($"{error.Key}: {error.Problem}")))
                {
                    binder.Error(binder.OriginOf(key), key, null, $"the trial {{{trial}}} is invalid: {error.Key}: {error.Problem}");
                }
            }
        }
    }

    private static IEnumerable<IReadOnlyDictionary<string, string>> Grid(IReadOnlyList<SweepParameter> parameters)
    {
        IEnumerable<IEnumerable<KeyValuePair<string, string>>> combinations = [[]];
        foreach (var parameter in parameters)
        {
            combinations = combinations.SelectMany(c => parameter.Values.Select(v => c.Append(KeyValuePair.Create(parameter.Key, v))));
        }

        return combinations.Select(c => (IReadOnlyDictionary<string, string>)c.ToDictionary(StringComparer.Ordinal));
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Describe(SpecOrigin origin, string workingDirectory) =>
        origin.Override ?? (origin.File is null ? "default" : $"{SpecPaths.Display(origin.File, workingDirectory)}{(origin.Line > 0 ? $":{origin.Line}:{origin.Column}" : "")}");
}
