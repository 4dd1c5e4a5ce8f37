namespace ImdbExperiments.Training;

/// <summary>Precision, recall and F1 averaged over the classes as scikit-learn's average= names it ("macro", "micro", "weighted").</summary>
public sealed record AveragedMetrics(string Average, double Precision, double Recall, double F1);
