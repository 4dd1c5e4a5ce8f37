using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>What the memory probe trains: a random-init model of a benchmark shape, batch x length, precision, checkpointing.</summary>
public sealed record MemoryProbeOptions
{
    public BenchmarkModel Model { get; init; } = BenchmarkModel.BertBase;
    public int Batch { get; init; } = 16;
    public int Length { get; init; } = 128;
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;
    public bool GradientCheckpointing { get; init; }
    /// <summary>Optimizer steps; the first allocates, the later ones show the steady state.</summary>
    public int Steps { get; init; } = 2;
    /// <summary>glibc's malloc_trim(0) after each step (what giving retained memory back would save and cost).</summary>
    public bool TrimBetweenSteps { get; init; }
    public int? Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, the value and what is allowed.</summary>
    public void Validate()
    {
        if (Batch is < 1 or > 4096) throw new ArgumentException($"--batch {Batch} is not valid: it must be 1 to 4096 examples per step.");
        if (Length is < 2 or > BenchmarkOptions.MaxLength) throw new ArgumentException($"--length {Length} is not valid: it must be 2 to {BenchmarkOptions.MaxLength} tokens.");
        if (Steps is < 1 or > 100) throw new ArgumentException($"--steps {Steps} is not valid: it must be 1 to 100 steps.");
        if (Threads is < 1) throw new ArgumentException($"--threads {Threads} is not valid: it must be a positive thread count.");
    }
}

/// <summary>One point of the probe: glibc's in-use and free heap bytes and the resident size after the phase, the peak
/// resident size during it, and what the tensors the phase adds weigh by their shapes (null where it is not a fixed set).</summary>
public sealed record MemoryPhase(string Name, long? InUseBytes, long? FreeHeapBytes, long? ResidentBytes, long? PeakResidentBytes, long? TensorBytes, string Note);

/// <summary>A probe's phases, the peak resident size of the steps, and the median seconds per step (the first left out when there are more).</summary>
public sealed record MemoryProbeResult(MemoryProbeOptions Options, MallocPolicy Malloc, IReadOnlyList<MemoryPhase> Phases, long? StepPeakBytes, double SecondsPerStep)
{
    public JsonObject ToJson() => new()
    {
        ["model"] = Options.Model.Name,
        ["batch"] = Options.Batch,
        ["length"] = Options.Length,
        ["precision"] = BenchmarkSuite.Name(Options.Precision),
        ["gradient_checkpointing"] = Options.GradientCheckpointing,
        ["steps"] = Options.Steps,
        ["trim_between_steps"] = Options.TrimBetweenSteps,
        ["malloc"] = NativeMemory.Name(Malloc),
        ["malloc_arena_max"] = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX"),
        ["step_peak_rss_bytes"] = StepPeakBytes,
        ["seconds_per_step"] = Math.Round(SecondsPerStep, 4),
        ["phases"] = new JsonArray(Phases.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name, ["in_use_bytes"] = p.InUseBytes, ["free_heap_bytes"] = p.FreeHeapBytes, ["rss_bytes"] = p.ResidentBytes,
            ["peak_rss_bytes"] = p.PeakResidentBytes, ["tensor_bytes"] = p.TensorBytes, ["note"] = p.Note,
        }).ToArray()),
    };
}

/// <summary>
/// Where a training step's memory goes: builds the model, the bf16 copy and AdamW as the <see cref="Trainer"/> does and
/// runs its steps through <see cref="TrainingStep"/>, reading glibc's heap account (<see cref="NativeMemory.Heap"/>) and
/// the resident size after each phase and its peak during it (<see cref="ResidentMemory"/>). Run one shape per process:
/// a process keeps the heap it grew (<see cref="NativeMemory"/>), so a second shape would start from the first's.
/// </summary>
public static class TrainingMemoryProbe
{
    const int ModelSeed = 1;

    /// <summary>MiniLM-L6's shape (all-MiniLM-L6-v2): the probe measures shapes, so both models are random-init.</summary>
    static readonly BertConfig MiniLmShape = new() { HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536 };

    public static MemoryProbeResult Run(MemoryProbeOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        TrainingDevices.ApplyThreads(options.Threads);
        var config = (options.Model.RandomConfig ?? MiniLmShape) with { Labels = HfModelFolder.DefaultLabels };
        var phases = new List<MemoryPhase>();
        var peakReset = false;
        void Start() => peakReset = ResidentMemory.ResetPeak();
        MemoryPhase Record(string name, long? tensorBytes, string note)
        {
            var heap = NativeMemory.Heap();
            var phase = new MemoryPhase(name, heap?.InUseBytes, heap?.FreeBytes, ResidentMemory.CurrentBytes(),
                peakReset ? ResidentMemory.PeakBytes() : null, tensorBytes, note);
            phases.Add(phase);
            return phase;
        }

        Start();
        using (var warm = ones(4, 4)) warm.sum().item<float>();   // libtorch's own start-up allocations
        Record("runtime + libtorch", null, ".NET runtime, libtorch loaded, nothing allocated for the model");

        Start();
        using var model = BertForSequenceClassification.CreateRandom(config, ModelSeed);
        var parameters = model.parameters().ToArray();
        var parameterCount = parameters.Sum(p => p.numel());
        Record("weights (fp32)", parameterCount * 4, $"{parameterCount:N0} parameters");

        Bf16ComputeCopy? bf16 = null;
        try
        {
            if (options.Precision == TrainingPrecision.Bf16)
            {
                Start();
                bf16 = Bf16ComputeCopy.Create(model, CPU);
                Record("bf16 compute copy", parameterCount * 2, "the weights again in bf16 (its gradients come in backward)");
            }
            var compute = bf16?.Model ?? model;
            compute.GradientCheckpointing = options.GradientCheckpointing;
            compute.train();

            Start();
            var trainer = new Trainer(new TrainingSpec { BatchSize = options.Batch, Precision = options.Precision, GradientCheckpointing = options.GradientCheckpointing }, ModelSeed);
            using var optimizer = trainer.CreateOptimizer(model);
            Record("AdamW state", parameterCount * 8, "exp_avg and exp_avg_sq, fp32, allocated when the optimizer is made");
            manual_seed(ModelSeed);

            var texts = RandomTexts(options.Batch, options.Length, config.VocabSize);
            var indices = Enumerable.Range(0, options.Batch).ToArray();
            var elementSize = options.Precision == TrainingPrecision.Bf16 ? 2L : 4L;
            var masks = DropoutMaskBytes(config, options.Batch, options.Length, elementSize);
            var gradientBytes = parameterCount * 4 + (bf16 is null ? 0 : parameterCount * 2);
            var times = new List<double>();
            long? stepPeak = null;
            for (var step = 1; step <= options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                using var batch = TokenBatch.Create(texts, indices, config.PadTokenId, CPU);
                Start();
                MemoryPhase? forward = null;
                TrainingStep.Backward(compute, batch, 1, () => forward = Record($"step {step} forward",
                    null, $"activations saved for backward; dropout masks no longer kept: {masks / 1e6:N0} MB"));
                var backward = Record($"step {step} backward", bf16 is null ? parameterCount * 4 : parameterCount * 2,
                    bf16 is null ? "fp32 gradients" : "bf16 gradients of the compute copy");
                Start();
                TrainingStep.Update(model, bf16, optimizer, parameters, 1.0, 5e-5);
                var update = Record($"step {step} update", null, $"fp32 master gradients (clipping, AdamW), then every gradient dropped ({gradientBytes / 1e6:N0} MB at most)");
                if (options.TrimBetweenSteps)
                {
                    Start();
                    var trimmed = NativeMemory.Trim();
                    Record($"step {step} malloc_trim", null, trimmed ? "free heap pages given back to the kernel"
                        : $"nothing given back (malloc {NativeMemory.Name(NativeMemory.Policy)}: malloc_trim trims glibc's heap only)");
                }
                times.Add(clock.Elapsed.TotalSeconds);
                stepPeak = Max(Max(Max(null, forward?.PeakResidentBytes), backward.PeakResidentBytes), update.PeakResidentBytes);
            }
            var timed = times.Count > 1 ? times.Skip(1).ToList() : times;
            return new MemoryProbeResult(options, NativeMemory.Policy, phases, stepPeak, BenchmarkSuite.Median(timed));
        }
        finally
        {
            bf16?.Dispose();
        }
    }

    /// <summary>What the CPU dropout masks of one step would weigh if kept for backward: each layer's two hidden-state
    /// dropouts and its attention probabilities', the embeddings' and the classifier's.</summary>
    public static long DropoutMaskBytes(BertConfig config, int batch, int length, long elementSize)
    {
        long hidden = (long)batch * length * config.HiddenSize;
        long attention = (long)batch * config.NumAttentionHeads * length * length;
        var perLayer = (config.HiddenDropoutProb > 0 ? 2 * hidden : 0) + (config.AttentionProbsDropoutProb > 0 ? attention : 0);
        var elements = config.NumHiddenLayers * perLayer + (config.HiddenDropoutProb > 0 ? hidden : 0)
            + (config.EffectiveClassifierDropout > 0 ? (long)batch * config.HiddenSize : 0);
        return checked(elements * elementSize);
    }

    static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>[CLS], seeded random wordpieces, [SEP]: every example exactly <paramref name="length"/> tokens.</summary>
    static EncodedTexts RandomTexts(int count, int length, int vocabSize)
    {
        var random = new DeterministicRandom(7);
        var ids = new int[count * length];
        var offsets = new long[count + 1];
        for (var i = 0; i < count; i++)
        {
            var start = i * length;
            ids[start] = 101;
            for (var t = 1; t < length - 1; t++) ids[start + t] = 1000 + random.NextInt(vocabSize - 1000);
            ids[start + length - 1] = 102;
            offsets[i + 1] = start + length;
        }
        return new EncodedTexts(ids, offsets);
    }

    public static string Megabytes(long? bytes) => bytes is { } b ? (b / 1e6).ToString("N0", CultureInfo.InvariantCulture) : "";
}
