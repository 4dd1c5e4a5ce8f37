namespace ImdbExperiments.Specs;

/// <summary>Optimization hyperparameters and the training loop.</summary>
public sealed record TrainingSpec
{
    [SpecKey("epochs"), SpecRange(Min = 0, MinExclusive = true), SpecDoc("Passes over the training split; fractions allowed.")]
    public double Epochs { get; init; } = 3;

    [SpecKey("max_steps"), SpecRange(Min = 1), SpecDoc("Optimizer steps; overrides epochs when set.")]
    public int? MaxSteps { get; init; }

    [SpecKey("batch_size"), SpecRange(Min = 1, Max = 4096), SpecDoc("Reviews per forward pass.")]
    public int BatchSize { get; init; } = 16;

    [SpecKey("eval_batch_size"), SpecRange(Min = 1, Max = 4096), SpecDoc("Reviews per forward pass during evaluation.")]
    public int EvalBatchSize { get; init; } = 64;

    [SpecKey("gradient_accumulation_steps"), SpecRange(Min = 1, Max = 1024), SpecDoc("Batches whose gradients are summed per optimizer step.")]
    public int GradientAccumulationSteps { get; init; } = 1;

    [SpecKey("learning_rate"), SpecRange(Min = 0, Max = 1, MinExclusive = true), SpecDoc("Peak AdamW learning rate.")]
    public double LearningRate { get; init; } = 5e-5;

    [SpecKey("weight_decay"), SpecRange(Min = 0, Max = 1, MaxExclusive = true), SpecDoc("AdamW decoupled weight decay (not applied to biases and LayerNorm).")]
    public double WeightDecay { get; init; }

    [SpecKey("adam_beta1"), SpecRange(Min = 0, Max = 1, MaxExclusive = true), SpecDoc("AdamW beta1.")]
    public double AdamBeta1 { get; init; } = 0.9;

    [SpecKey("adam_beta2"), SpecRange(Min = 0, Max = 1, MaxExclusive = true), SpecDoc("AdamW beta2.")]
    public double AdamBeta2 { get; init; } = 0.999;

    [SpecKey("adam_epsilon"), SpecRange(Min = 0, MinExclusive = true), SpecDoc("AdamW epsilon.")]
    public double AdamEpsilon { get; init; } = 1e-8;

    [SpecKey("lr_scheduler"), SpecDoc("Learning-rate schedule after warmup.")]
    public LrScheduler LrScheduler { get; init; } = LrScheduler.Linear;

    [SpecKey("warmup_ratio"), SpecRange(Min = 0, Max = 1, MaxExclusive = true), SpecDoc("Fraction of the steps spent warming up linearly from 0.")]
    public double WarmupRatio { get; init; }

    [SpecKey("warmup_steps"), SpecRange(Min = 0), SpecDoc("Warmup steps; overrides warmup_ratio when set.")]
    public int? WarmupSteps { get; init; }

    [SpecKey("max_grad_norm"), SpecRange(Min = 0, MinExclusive = true), SpecDoc("Gradient clipping norm; null = no clipping.")]
    public double? MaxGradNorm { get; init; } = 1.0;

    [SpecKey("group_by_length"), SpecDoc("Batch reviews of similar length together to waste less padding.")]
    public bool GroupByLength { get; init; } = true;

    [SpecKey("eval_every"), SpecRange(Min = 1), SpecDoc("Evaluate every this many steps; null = after each epoch.")]
    public int? EvalEvery { get; init; }

    [SpecKey("metric_for_best"), SpecDoc("Validation metric that picks the best checkpoint.")]
    public ValidationMetric MetricForBest { get; init; } = ValidationMetric.F1;

    [SpecKey("early_stopping_patience"), SpecRange(Min = 1), SpecDoc("Stop after this many evaluations without improvement; null = never.")]
    public int? EarlyStoppingPatience { get; init; }

    [SpecKey("checkpoint_every"), SpecRange(Min = 1), SpecDoc("Save a resumable checkpoint every this many steps.")]
    public int CheckpointEvery { get; init; } = 500;

    [SpecKey("keep_checkpoints"), SpecRange(Min = 1), SpecDoc("Resumable checkpoints kept on disk.")]
    public int KeepCheckpoints { get; init; } = 2;

    [SpecKey("log_every"), SpecRange(Min = 1), SpecDoc("Log training metrics every this many steps.")]
    public int LogEvery { get; init; } = 10;

    [SpecKey("device"), SpecDoc("Where training runs; auto = CUDA when available, else CPU.")]
    public TrainingDevice Device { get; init; } = TrainingDevice.Auto;

    [SpecKey("precision"), SpecDoc("Floating-point precision of training.")]
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    [SpecKey("gradient_checkpointing"), SpecDoc("Recompute each encoder layer's activations in backward (Hugging Face's gradient_checkpointing_enable()): the same gradients, less memory, about a third more time.")]
    public bool GradientCheckpointing { get; init; }

    [SpecKey("threads"), SpecRange(Min = 1, Max = 1024), SpecDoc("CPU threads for libtorch; null = all cores.")]
    public int? Threads { get; init; }
}
