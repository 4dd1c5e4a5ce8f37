namespace ImdbExperiments.Specs;

/// <summary>A metric computed on the validation split.</summary>
public enum ValidationMetric
{
    Accuracy,
    Precision,
    Recall,
    F1,
    RocAuc,
    Loss,
}
