namespace ImdbExperiments.Specs;

/// <summary>What ingest does with a row it cannot use (empty text, missing label, malformed record).</summary>
public enum BadRowPolicy
{
    Error,
    Skip,
}
