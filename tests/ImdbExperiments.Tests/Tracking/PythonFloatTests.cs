using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

public sealed class PythonFloatTests
{
    // Expected strings are Python 3.11's repr() of the same doubles.
    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0, "1.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1234567890123456789.0, "1.2345678901234568e+18")]
    [InlineData(12345678901234567.0, "1.2345678901234568e+16")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(0.6931471805599453, "0.6931471805599453")]
    [InlineData(1e22, "1e+22")]
    public void Repr_MatchesPython(double value, string expected) => Assert.Equal(expected, PythonFloat.Repr(value));

    [Fact]
    public void Repr_SpellsNonFiniteValuesAsPythonDoes()
    {
        Assert.Equal("nan", PythonFloat.Repr(double.NaN));
        Assert.Equal("inf", PythonFloat.Repr(double.PositiveInfinity));
        Assert.Equal("-inf", PythonFloat.Repr(double.NegativeInfinity));
        Assert.Equal("-0.0", PythonFloat.Repr(-0.0));
    }
}
