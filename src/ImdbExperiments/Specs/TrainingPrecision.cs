namespace ImdbExperiments.Specs;

/// <summary>Floating-point precision of the forward and backward pass.</summary>
public enum TrainingPrecision
{
    Fp32,
    Bf16,
}
