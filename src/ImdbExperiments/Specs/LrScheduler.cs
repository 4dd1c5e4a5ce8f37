namespace ImdbExperiments.Specs;

/// <summary>Learning-rate schedule after warmup.</summary>
public enum LrScheduler
{
    Linear,
    Cosine,
    Constant,
}
