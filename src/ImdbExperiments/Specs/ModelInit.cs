namespace ImdbExperiments.Specs;

/// <summary>Whether the encoder starts from pretrained weights or from a random initialization.</summary>
public enum ModelInit
{
    Pretrained,
    Random,
}
