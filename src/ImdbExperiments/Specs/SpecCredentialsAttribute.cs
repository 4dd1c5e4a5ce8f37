namespace ImdbExperiments.Specs;

/// <summary>
/// A URI that may carry credentials (user:password@ or a token= query value): the bound value keeps them so the backend can
/// authenticate, but every text made from the spec (canonical JSON and its hash, YAML, MLflow params, error messages) omits them.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecCredentialsAttribute : Attribute;
