using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowLimitsTests
{
    // Names from MLflow's own tests of _validate_metric_name / _validate_param_name (tests/utils/test_validation.py).
    [Theory]
    [InlineData("a")]
    [InlineData("Ab-5_")]
    [InlineData("a/b/c")]
    [InlineData("a.b.c")]
    [InlineData(".a")]
    [InlineData("b.")]
    [InlineData("a..a/._./o_O/.e.")]
    [InlineData("a b/c d")]
    [InlineData("train/loss")]
    [InlineData("validation/f1 score")]
    [InlineData("précision")]
    public void Key_AcceptsWhatMlflowAccepts(string key) => Assert.Null(MlflowLimits.KeyProblem(key));

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("/")]
    [InlineData("..")]
    [InlineData("//")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("\\")]
    [InlineData("./")]
    [InlineData("/./")]
    [InlineData(":")]
    [InlineData("acc@1")]
    [InlineData("loss(train)")]
    public void Key_RejectsWhatMlflowRejects(string key) => Assert.NotNull(MlflowLimits.KeyProblem(key));

    [Fact]
    public void Key_LongerThan250Characters_IsRejected()
    {
        Assert.Null(MlflowLimits.KeyProblem(new string('k', 250)));
        Assert.Contains("250", MlflowLimits.KeyProblem(new string('k', 251)));
    }

    [Theory]
    [InlineData("acc@1", "acc_1")]
    [InlineData("loss(train)", "loss_train_")]
    [InlineData("/a//b/", "a/b")]
    [InlineData("a/./b", "a/_/b")]
    [InlineData("..", "_")]
    [InlineData("", "_")]
    [InlineData("train/loss", "train/loss")]
    public void SanitizeKey_GivesAnAcceptedKeyCloseToTheOriginal(string key, string expected)
    {
        var sanitized = MlflowLimits.SanitizeKey(key);

        Assert.Equal(expected, sanitized);
        Assert.True(MlflowLimits.IsValidKey(sanitized));
    }

    [Fact]
    public void SanitizeKey_OfAnOverlongKey_StaysUniqueAndWithinTheLimit()
    {
        var first = MlflowLimits.SanitizeKey(new string('a', 300) + "1");
        var second = MlflowLimits.SanitizeKey(new string('a', 300) + "2");

        Assert.True(MlflowLimits.IsValidKey(first));
        Assert.True(first.Length <= MlflowLimits.MaxKeyLength);
        Assert.NotEqual(first, second);
    }
}
