using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The state of a sweep in one file (study.json in the sweep's run folder): every trial proposed so far, with the point a
/// model-based sampler drew, and each finished trial's result (completed or pruned, its metrics and its evaluations, the
/// rungs' raw values). Proposals are persisted before they run, so a sweep that is interrupted and started again proposes
/// the same remaining trials and runs no finished one twice; a finished sweep writes nothing. The file is replaced
/// atomically (written beside, then renamed) under a lock (study.lock/study.lock), and read again under it before every
/// change, so parallel trials and workers on several machines share one study; a trial being run is claimed with its own
/// lock (study.lock/trial-N.lock, released by the OS when its process dies), so no two workers run it at once. A worker
/// that releases a claim clears the holder it wrote in the lock file; a claim found free that still names its holder was
/// left by a worker that died (killed, out of memory), and a live worker runs that trial again within the same sweep, once:
/// a trial whose workers died <see cref="MaxDeadWorkers"/> times (it may be what kills them) is left for the next run. A
/// file that is not this sweep's study is an error, never overwritten.
/// </summary>
public sealed class SweepStudy
{
    public const string FileName = "study.json";
    private const int FormatVersion = 1;
    private const long MaxFileBytes = 64L << 20;

    /// <summary>Dead workers after which a trial is no longer run again within the sweep (the next run still takes it).</summary>
    public const int MaxDeadWorkers = 2;

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
    private List<StudyTrial> _trials;
    private readonly Dictionary<int, FileLock> _claims = [];
    private readonly Lock _gate = new();

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

    /// <summary>How often a worker that has no trial left to take looks again at trials other workers run (one of them may die).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

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
        var trials = Read(path, sweep);
        var study = new SweepStudy(path, sweep, trials);
        if (sweep.Spec.Sweep.Method != SweepMethod.Tpe)
        {
            study._plan = SweepPlanner.Plan(sweep);
        }

        return study;
    }

    /// <summary>The trials of the study file at <paramref name="path"/> (none when it does not exist), checked against <paramref name="sweep"/>.</summary>
    private static List<StudyTrial> Read(string path, ResolvedSpec sweep)
    {
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

                if (sweep.Spec.Sweep!.Method == SweepMethod.Tpe)
                {
                    CheckPoint(path, i, trial.Point, SearchDimension.Of(sweep.Spec.Sweep.Parameters));
                }

                trials.Add(trial);
            }
        }

        return trials;
    }

    /// <summary>
    /// The trials this process is to look at, in index order, each read from the study file as it is then: a finished
    /// trial (the caller reuses it), else one claimed for this process (the caller runs it, <see cref="Record"/>s it and
    /// <see cref="Release"/>s it); trials another live worker has claimed are passed over. For tpe, once every saved
    /// proposal is taken, the next is proposed (and saved) when it is asked for, from the trials finished by then; the
    /// sequence ends when the budget is spent. One process running one trial at a time proposes exactly what an
    /// uninterrupted sweep would. Then, while other live workers still run trials, it looks again every
    /// <see cref="PollInterval"/> and takes the trial of any that died (see <see cref="MaxDeadWorkers"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while it waited for other workers.</exception>
    public IEnumerable<SweepTrial> Trials(CancellationToken cancellationToken = default)
    {
        var index = 0;
        while (true)
        {
            SweepTrial? next = null;
            lock (_gate)
            {
                using (StudyLock())
                {
                    Refresh();
                    for (; index < TrialCount && next is null; index++)
                    {
                        next = Take(index);
                    }
                }
            }

            if (next is null)
            {
                break;
            }

            yield return next;
        }

        while (true)
        {
            SweepTrial? reclaimed;
            bool othersRunning;
            lock (_gate)
            {
                using (StudyLock())
                {
                    Refresh();
                    (reclaimed, othersRunning) = Reclaim();
                }
            }

            if (reclaimed is not null)
            {
                yield return reclaimed;
            }
            else if (!othersRunning)
            {
                yield break;
            }
            else if (cancellationToken.WaitHandle.WaitOne(PollInterval))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>The first unfinished trial whose worker died, claimed (unless its workers died too often); and whether live workers run others.</summary>
    private (SweepTrial? Trial, bool OthersRunning) Reclaim()
    {
        var othersRunning = false;
        for (var index = 0; index < Math.Min(TrialCount, _plan?.Count ?? _trials.Count); index++)
        {
            if (IsFinished(index) || _claims.ContainsKey(index))
            {
                continue;
            }

            if (FileLock.TryAcquire(ClaimPath(index), out var dead) is not { } claim)
            {
                othersRunning = true;
                continue;
            }

            // Released by a live worker (the trial failed or was cancelled there): it runs again in the next sweep, as failed trials do.
            if (dead is null || NoteDeadWorker(index, dead) >= MaxDeadWorkers)
            {
                claim.Dispose();
                continue;
            }

            _claims[index] = claim;
            return (TrialAt(index), othersRunning);
        }

        return (null, othersRunning);
    }

    /// <summary>Keeps in the study that a worker died holding trial <paramref name="index"/>; returns how many have.</summary>
    private int NoteDeadWorker(int index, LockHolder dead)
    {
        EnsureEntries(index);
        var deadWorkers = (List<LockHolder>)[.. _trials[index].DeadWorkers ?? [], dead];
        _trials[index] = _trials[index] with { DeadWorkers = deadWorkers };
        Save();
        return deadWorkers.Count;
    }

    /// <summary>Entries for the plan's trials up to <paramref name="index"/> (a grid, random or list study holds only those it needs).</summary>
    private void EnsureEntries(int index)
    {
        while (_trials.Count <= index)
        {
            var planned = _plan![_trials.Count];
            _trials.Add(new StudyTrial { Index = _trials.Count, Overrides = new SortedDictionary<string, string>(planned.Overrides.ToDictionary(), StringComparer.Ordinal), Point = [] });
        }
    }

    private bool IsFinished(int index) => index < _trials.Count && _trials[index].Result is not null;

    /// <summary>The last worker that died running <paramref name="trial"/>, as the study recorded it; null when none did.</summary>
    public LockHolder? DeadWorkerOf(SweepTrial trial)
    {
        lock (_gate)
        {
            return trial.Index < _trials.Count ? _trials[trial.Index].DeadWorkers?.LastOrDefault() : null;
        }
    }

    /// <summary>
    /// The trial that process <paramref name="processId"/> of this host died holding: its claim still names it, or the study
    /// recorded it as a trial's dead worker; null when it held none (it ended its trials before it exited).
    /// </summary>
    public SweepTrial? TrialOfDeadWorker(int processId)
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            bool Named(LockHolder? holder) => holder is not null && holder.Pid == processId && holder.Host == Environment.MachineName;
            for (var index = 0; index < Math.Min(TrialCount, _plan?.Count ?? _trials.Count); index++)
            {
                if ((index < _trials.Count && _trials[index].DeadWorkers is { } dead && dead.Any(Named)) || (!_claims.ContainsKey(index) && Named(FileLock.ReadHolder(ClaimPath(index)))))
                {
                    return TrialAt(index);
                }
            }

            return null;
        }
    }

    /// <summary>True when <paramref name="trial"/> has finished (completed or pruned), by any worker.</summary>
    public bool HasFinished(SweepTrial trial)
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            return IsFinished(trial.Index);
        }
    }

    /// <summary>Trial <paramref name="index"/> if it finished or this process can claim it (a new tpe proposal is saved first); null when another worker runs it.</summary>
    private SweepTrial? Take(int index)
    {
        if (_plan is null && index > _trials.Count)
        {
            return null; // the file lost trials since (deleted by hand): nothing to take here
        }

        if (_plan is null && index == _trials.Count)
        {
            var point = TpeSampler.Propose(_space, FinishedTrials(), UnfinishedTrials(), _spec.Goal, unchecked((ulong)(long)(_spec.Seed ?? _sweep.Spec.Seed)), index, TpeOptions.Of(_spec.Tpe));
            _trials.Add(new StudyTrial { Index = index, Overrides = Texts(point), Point = new SortedDictionary<string, double>(point.ToDictionary(), StringComparer.Ordinal) });
            Save();
        }

        var trial = TrialAt(index);
        if (index < _trials.Count && _trials[index].Result is not null && SameOverrides(_trials[index], trial))
        {
            return trial;
        }

        if (_claims.ContainsKey(index))
        {
            return null;
        }

        if (FileLock.TryAcquire(ClaimPath(index), out var dead) is not { } claim)
        {
            return null;
        }

        if (dead is not null)
        {
            NoteDeadWorker(index, dead); // taken in its turn whatever the count: a new sweep run is the user's own retry
        }

        _claims[index] = claim;
        return trial;
    }

    private SweepTrial TrialAt(int index)
    {
        if (_plan is not null)
        {
            return _plan[index];
        }

        var overrides = new SortedDictionary<string, string>(_trials[index].Overrides!, StringComparer.Ordinal);
        return new SweepTrial(index, SweepPlanner.TrialName(index, TrialCount), overrides, _sweep.With(overrides));
    }

    /// <summary>Gives up this process's claim on a trial (after its result is recorded, or when it failed or was cancelled).</summary>
    public void Release(SweepTrial trial)
    {
        lock (_gate)
        {
            if (_claims.Remove(trial.Index, out var claim))
            {
                claim.Dispose();
            }
        }
    }

    /// <summary>The result this study holds for a trial that finished before (completed or pruned), or null.</summary>
    public TrialResult? TryGetFinished(SweepTrial trial)
    {
        lock (_gate)
        {
            return trial.Index < _trials.Count && _trials[trial.Index].Result is { } result && SameOverrides(_trials[trial.Index], trial) ? result.ToTrialResult() : null;
        }
    }

    /// <summary>Keeps a completed or pruned trial's result (failed ones run again next time); writes only what changed.</summary>
    public void Record(SweepTrial trial, TrialResult result)
    {
        if (result.Status == TrialStatus.Failed)
        {
            return;
        }

        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
                if (trial.Index < _trials.Count && _trials[trial.Index].Result is not null && SameOverrides(_trials[trial.Index], trial))
                {
                    return;
                }

                EnsureEntries(trial.Index);
                _trials[trial.Index] = _trials[trial.Index] with { Result = StudyResult.Of(result) };
                Save();
            }
        }
    }

    /// <summary>The finished trials as the samplers and pruners see them, as the study file holds them now (other workers' included).</summary>
    public IReadOnlyList<SearchTrial> Finished()
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            return FinishedTrials();
        }
    }

    /// <summary>How many unfinished trials another live worker has claimed (a dead worker's claim is free again).</summary>
    public int RunningElsewhere()
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            var running = 0;
            for (var i = 0; i < Math.Min(TrialCount, _plan?.Count ?? _trials.Count); i++)
            {
                if ((i < _trials.Count && _trials[i].Result is not null) || _claims.ContainsKey(i))
                {
                    continue;
                }

                running += FileLock.IsHeld(ClaimPath(i)) ? 1 : 0; // a probe that takes the lock would clear a dead worker's name
            }

            return running;
        }
    }

    /// <summary>True when every trial of the budget has finished (no worker has one left to run).</summary>
    public bool IsComplete()
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            return TrialCount > 0 && Enumerable.Range(0, TrialCount).All(i => i < _trials.Count && _trials[i].Result is not null);
        }
    }

    /// <summary>Every finished trial with its result, as the study file holds them now.</summary>
    public IReadOnlyList<(SweepTrial Trial, TrialResult Result)> FinishedResults()
    {
        lock (_gate)
        {
            using (StudyLock())
            {
                Refresh();
            }

            return [.. Enumerable.Range(0, Math.Min(TrialCount, _trials.Count))
                .Where(i => _trials[i].Result is not null && SameOverrides(_trials[i], TrialAt(i)))
                .Select(i => (TrialAt(i), _trials[i].Result!.ToTrialResult()))];
        }
    }

    private IReadOnlyList<SearchTrial> FinishedTrials() =>
        [.. _trials.Where(t => t.Result is not null).Select(t => new SearchTrial(t.Index, t.Point!, t.Result!.Status, t.Result.Value(_spec.Metric), t.Result.Evaluations ?? []))];

    // Proposed trials without a result: running here or elsewhere, or left by a worker that died (Optuna's zombie RUNNING trials).
    private IReadOnlyList<RunningSearchTrial> UnfinishedTrials() =>
        [.. _trials.Where(t => t.Result is null && t.Point is not null).Select(t => new RunningSearchTrial(t.Index, t.Point!))];

    /// <summary>The study's own lock: held around every read-change-write of the file, by every thread and process.</summary>
    private FileLock StudyLock() => FileLock.Acquire(System.IO.Path.Combine(LockFolder, "study.lock"), LockOptions.Default, report: null);

    private string LockFolder => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, "study.lock");

    private string ClaimPath(int index) => System.IO.Path.Combine(LockFolder, "trial-" + index.ToString(CultureInfo.InvariantCulture) + ".lock");

    /// <summary>Reads the file again: another worker may have proposed or finished trials since.</summary>
    private void Refresh() => _trials = Read(Path, _sweep);

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
        var temporary = Path + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Environment.CurrentManagedThreadId.ToString(CultureInfo.InvariantCulture);
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

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public List<LockHolder>? DeadWorkers { get; init; }
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
