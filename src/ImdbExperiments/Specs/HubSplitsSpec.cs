namespace ImdbExperiments.Specs;

/// <summary>Which of a Hub dataset's splits (data.source: hub) become the pipeline's train and test splits.</summary>
public sealed record HubSplitsSpec
{
    /// <summary>datasets' split names (naming.py _split_re: word characters, '.'-separated), at most 100 characters.</summary>
    public const string SplitName = @"^(?=.{1,100}\z)[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*\z";
    public const string SplitNameDescription = "a split name of letters, digits and '_', parts separated by '.', at most 100 characters";

    /// <summary>A Hub repo id as huggingface_hub validates it, in ASCII: 'name' or 'org/name', no '--', '..' or trailing '.git'; never a path.</summary>
    public const string DatasetId = @"^(?!.*--)(?!.*\.\.)(?!.*\.git\z)[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?(?:/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?)?\z";
    public const string DatasetIdDescription = "a Hugging Face Hub dataset id such as stanfordnlp/imdb: 'name' or 'org/name' of letters, digits, '.', '_' and '-', without '--' or '..'";

    [SpecKey("train"), SpecPattern(SplitName, SplitNameDescription), SpecDoc("The dataset's split read as the train split.")]
    public string Train { get; init; } = "train";

    [SpecKey("test"), SpecPattern(SplitName, SplitNameDescription), SpecDoc("The dataset's split read as the test split.")]
    public string Test { get; init; } = "test";
}
