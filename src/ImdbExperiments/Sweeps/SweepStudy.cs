using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The state of a sweep in one file (study.json in the sweep's run folder): every trial proposed so far, with the point a
/// model-based sampler drew, and each finished trial's result (completed or pruned, its metrics and its evaluations, the
/// rungs' raw values). Proposals are persisted before they run, so a sweep that is interrupted and started again proposes
/// the same remaining trials and runs no finished one twice; a finished sweep writes nothing. The file is replaced
/// atomically (written beside, then renamed); a file that is not this sweep's study is an error, never overwritten.
/// </summary>
public sealed class SweepStudy
{
    public const string FileName = "study.json";
    private const int FormatVersion = 1;
    private const long MaxFileBytes = 64L << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly ResolvedSpec _sweep;
    private readonly SweepSpec _spec;
    private readonly IReadOnlyList<SearchDimension> _space;
    private readonly List<StudyTrial> _trials;

    private SweepStudy(string path, ResolvedSpec sweep, List<StudyTrial> trials)
    {
        Path = path;
        _sweep = sweep;
        _spec = sweep.Spec.Sweep!;
        _space = SearchDimension.Of(_spec.Parameters);
        _trials = trials;
    }

    /// <summary>The study file.</summary>
    public string Path { get; }

    /// <summary>How many trials the sweep will have.</summary>
    public int TrialCount => _spec.Method == SweepMethod.Tpe ? _spec.Trials ?? 0 : _plan?.Count ?? 0;

    private IReadOnlyList<SweepTrial>? _plan;

    /// <summary>Opens the study of <paramref name="sweep"/> in <paramref name="folder"/>, or starts an empty one (nothing is written yet).</summary>
    /// <exception cref="InvalidDataException">The file is unreadable, too large, or another sweep's.</exception>
    public static SweepStudy Open(string folder, ResolvedSpec sweep)
    {
        if (sweep.Spec.Sweep is null)
        {
            throw new ArgumentException($"'{sweep.SourcePath}' has no sweep section.", nameof(sweep));
        }

        var path = System.IO.Path.Combine(folder, FileName);
        var trials = new List<StudyTrial>();
        if (File.Exists(path))
        {
            var length = new FileInfo(path).Length;
            if (length > MaxFileBytes)
            {
                throw new InvalidDataException($"{path}: {length} bytes, more than a study file may have ({MaxFileBytes}); delete it to start the sweep over.");
            }

            StudyFile? file;
            try
            {
                file = JsonSerializer.Deserialize<StudyFile>(File.ReadAllBytes(path), Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not a study file ({e.Message}); delete it to start the sweep over.");
            }

            if (file is null || file.Format != FormatVersion || file.Trials is null)
            {
                throw new InvalidDataException($"{path}: format {file?.Format.ToString(CultureInfo.InvariantCulture) ?? "null"}, expected {FormatVersion}; delete it to start the sweep over.");
            }

            if (file.SweepHash != sweep.Hash)
            {
                throw new InvalidDataException(
                    $"{path}: belongs to the sweep spec with hash {file.SweepHash}, not to '{sweep.SourcePath}' ({sweep.Hash}); delete it, or give this sweep its own tracking.run_name.");
            }

            for (var i = 0; i < file.Trials.Count; i++)
            {
                if (file.Trials[i] is not { Overrides: not null, Point: not null } trial || trial.Index != i)
                {
                    throw new InvalidDataException($"{path}: trials[{i}] is not trial {i} with overrides and point; delete the file to start the sweep over.");
                }

                if (sweep.Spec.Sweep.Method == SweepMethod.Tpe)
                {
                    CheckPoint(path, i, trial.Point, SearchDimension.Of(sweep.Spec.Sweep.Parameters));
                }

                trials.Add(trial);
            }
        }

        var study = new SweepStudy(path, sweep, trials);
        if (sweep.Spec.Sweep.Method != SweepMethod.Tpe)
        {
            study._plan = SweepPlanner.Plan(sweep);
        }

        return study;
    }

    /// <summary>
    /// The sweep's trials in order. For tpe, trial i is proposed (and saved) only when it is reached, from the trials
    /// finished by then, so the caller must <see cref="Record"/> each trial's result before asking for the next.
    /// </summary>
    public IEnumerable<SweepTrial> Trials()
    {
        if (_plan is not null)
        {
            foreach (var trial in _plan)
            {
                yield return trial;
            }

            yield break;
        }

        for (var i = 0; i < TrialCount; i++)
        {
            if (i == _trials.Count)
            {
                var point = TpeSampler.Propose(_space, Finished(), _spec.Goal, unchecked((ulong)(long)(_spec.Seed ?? _sweep.Spec.Seed)), i, TpeOptions.Of(_spec.Tpe));
                _trials.Add(new StudyTrial { Index = i, Overrides = Texts(point), Point = new SortedDictionary<string, double>(point.ToDictionary(), StringComparer.Ordinal) });
                Save();
            }

            var overrides = new SortedDictionary<string, string>(_trials[i].Overrides!, StringComparer.Ordinal);
            yield return new SweepTrial(i, SweepPlanner.TrialName(i, TrialCount), overrides, _sweep.With(overrides));
        }
    }

    /// <summary>The result this study holds for a trial that finished before (completed or pruned), or null.</summary>
    public TrialResult? TryGetFinished(SweepTrial trial) =>
        trial.Index < _trials.Count && _trials[trial.Index].Result is { } result && SameOverrides(_trials[trial.Index], trial) ? result.ToTrialResult() : null;

    /// <summary>Keeps a completed or pruned trial's result (failed ones run again next time); writes only what changed.</summary>
    public void Record(SweepTrial trial, TrialResult result)
    {
        if (result.Status == TrialStatus.Failed || TryGetFinished(trial) is not null)
        {
            return;
        }

        while (_trials.Count <= trial.Index)
        {
            var index = _trials.Count;
            var planned = _plan![index];
            _trials.Add(new StudyTrial { Index = index, Overrides = new SortedDictionary<string, string>(planned.Overrides.ToDictionary(), StringComparer.Ordinal), Point = [] });
        }

        _trials[trial.Index] = _trials[trial.Index] with { Result = StudyResult.Of(result) };
        Save();
    }

    /// <summary>The finished trials as the samplers see them.</summary>
    public IReadOnlyList<SearchTrial> Finished() =>
        [.. _trials.Where(t => t.Result is not null).Select(t => new SearchTrial(t.Index, t.Point!, t.Result!.Status, t.Result.Value(_spec.Metric), t.Result.Evaluations ?? []))];

    /// <summary>A saved point must lie in the search space: the samplers index categories and take logs with it.</summary>
    private static void CheckPoint(string path, int index, IReadOnlyDictionary<string, double> point, IReadOnlyList<SearchDimension> space)
    {
        foreach (var dimension in space)
        {
            var allowed = dimension.IsCategorical ? $"an index 0..{dimension.Choices.Count - 1}" : $"{dimension.Low.ToString("R", CultureInfo.InvariantCulture)}..{dimension.High.ToString("R", CultureInfo.InvariantCulture)}";
            if (!point.TryGetValue(dimension.Key, out var value))
            {
                throw new InvalidDataException($"{path}: trials[{index}].point has no '{dimension.Key}' (expected {allowed}); delete the file to start the sweep over.");
            }

            if (!double.IsFinite(value) || value < dimension.Low || value > dimension.High || ((dimension.IsCategorical || dimension.Integer) && value != Math.Round(value)))
            {
                throw new InvalidDataException($"{path}: trials[{index}].point.{dimension.Key} is {value.ToString("R", CultureInfo.InvariantCulture)}, expected {allowed}; delete the file to start the sweep over.");
            }
        }
    }

    private SortedDictionary<string, string> Texts(IReadOnlyDictionary<string, double> point)
    {
        var texts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in _spec.Parameters)
        {
            var value = point[parameter.Key];
            texts[parameter.Key] = parameter.Distribution is null or SweepDistribution.Choice
                ? parameter.Values[(int)value]
                : SweepPlanner.NumberText(parameter, value);
        }

        return texts;
    }

    private static bool SameOverrides(StudyTrial saved, SweepTrial trial) =>
        saved.Overrides!.Count == trial.Overrides.Count && trial.Overrides.All(kv => saved.Overrides.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(new StudyFile { Format = FormatVersion, SweepHash = _sweep.Hash, Method = SpecWriter.EnumName(_spec.Method), Trials = _trials }, Json));
        File.Move(temporary, Path, overwrite: true);
    }

    private sealed record StudyFile
    {
        public int Format { get; init; }
        public string? SweepHash { get; init; }
        public string? Method { get; init; }
        public List<StudyTrial>? Trials { get; init; }
    }

    private sealed record StudyTrial
    {
        public int Index { get; init; }
        public SortedDictionary<string, string>? Overrides { get; init; }
        public SortedDictionary<string, double>? Point { get; init; }
        public StudyResult? Result { get; init; }
    }

    private sealed record StudyResult
    {
        public TrialStatus Status { get; init; }
        public SortedDictionary<string, double>? Metrics { get; init; }
        public List<double>? Evaluations { get; init; }
        public int? PrunedAt { get; init; }
        public string? RunId { get; init; }

        public static StudyResult Of(TrialResult result) => new()
        {
            Status = result.Status,
            Metrics = new SortedDictionary<string, double>(result.Metrics.ToDictionary(), StringComparer.Ordinal),
            Evaluations = [.. result.Evaluations],
            PrunedAt = result.PrunedAt,
            RunId = result.RunId,
        };

        public double? Value(string metric) => Metrics is not null && Metrics.TryGetValue(metric, out var v) && !double.IsNaN(v) ? v : null;

        public TrialResult ToTrialResult() => new()
        {
            Status = Status,
            Metrics = Metrics ?? [],
            Evaluations = Evaluations ?? [],
            PrunedAt = PrunedAt,
            RunId = RunId,
        };
    }
}
