namespace ImdbExperiments.Specs;

/// <summary>Whether a sweep looks for the largest or the smallest metric.</summary>
public enum SweepGoal
{
    Maximize,
    Minimize,
}
