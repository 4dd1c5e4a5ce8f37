namespace ImdbExperiments.Specs;

/// <summary>How a random sweep samples one parameter.</summary>
public enum SweepDistribution
{
    Uniform,
    LogUniform,
    Choice,
}
