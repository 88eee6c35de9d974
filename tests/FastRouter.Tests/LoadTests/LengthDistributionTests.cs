using FastRouter.LoadTests.Scenarios;

namespace FastRouter.Tests.LoadTests;

public sealed class LengthDistributionTests
{
    [Theory]
    [InlineData("128", "Fixed")]
    [InlineData("fixed:64", "Fixed")]
    [InlineData("uniform:64-512", "Uniform")]
    [InlineData("Normal:256,64", "Normal")]
    public void Parses_EachSpelling(string text, string kind)
    {
        Assert.True(LengthDistribution.TryParse(text, out LengthDistribution? distribution, out _));
        Assert.Equal(kind, distribution!.Kind.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("uniform:512-64")]
    [InlineData("uniform:0-10")]
    [InlineData("normal:0,5")]
    [InlineData("normal:10")]
    [InlineData("poisson:3")]
    [InlineData("")]
    public void Refuses_BadSpellings(string text)
    {
        Assert.False(LengthDistribution.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Fixed_AlwaysDrawsItsValue()
    {
        var random = new Random(1);
        LengthDistribution fixedLength = LengthDistribution.Fixed(42);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(42, fixedLength.Sample(random)));
    }

    [Fact]
    public void Uniform_StaysInRange_ReachesBothEnds_AndAveragesTheMidpoint()
    {
        Assert.True(LengthDistribution.TryParse("uniform:10-20", out LengthDistribution? uniform, out _));
        var random = new Random(7);
        int[] draws = Enumerable.Range(0, 50_000).Select(_ => uniform!.Sample(random)).ToArray();

        Assert.Equal(10, draws.Min());
        Assert.Equal(20, draws.Max());
        Assert.InRange(draws.Average(), 14.9, 15.1);
    }

    [Fact]
    public void Normal_HasTheGivenMeanAndDeviation_AndNeverDrawsBelowOne()
    {
        Assert.True(LengthDistribution.TryParse("normal:256,64", out LengthDistribution? normal, out _));
        var random = new Random(3);
        double[] draws = Enumerable.Range(0, 100_000).Select(_ => (double)normal!.Sample(random)).ToArray();
        double mean = draws.Average();
        double deviation = Math.Sqrt(draws.Select(d => (d - mean) * (d - mean)).Average());

        Assert.InRange(mean, 254, 258);
        Assert.InRange(deviation, 62, 66);

        Assert.True(LengthDistribution.TryParse("normal:2,50", out LengthDistribution? wide, out _));
        Assert.All(Enumerable.Range(0, 10_000), _ => Assert.True(wide!.Sample(random) >= 1));
    }
}
