namespace ImdbExperiments.Specs;

/// <summary>Where the labelled reviews come from.</summary>
public enum DataSource
{
    Imdb,
    Synthetic,
    Files,
    Hub,
}
