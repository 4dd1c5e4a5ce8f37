namespace ImdbExperiments.Training;

/// <summary>One class's figures with that class taken as the positive one (scikit-learn's average=None row).</summary>
/// <param name="Support">Examples whose true label is this class.</param>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, long Support);
