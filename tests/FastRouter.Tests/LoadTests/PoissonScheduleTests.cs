using FastRouter.LoadTests.Running;

namespace FastRouter.Tests.LoadTests;

public sealed class PoissonScheduleTests
{
    [Theory]
    [InlineData(10.0)]
    [InlineData(500.0)]
    [InlineData(8000.0)]
    public void Gaps_AverageToTheRate_WithExponentialSpread(double rate)
    {
        var schedule = new PoissonSchedule(rate, new Random(11));
        double[] gaps = Enumerable.Range(0, 200_000).Select(_ => schedule.NextGapSeconds()).ToArray();
        double mean = gaps.Average();
        double deviation = Math.Sqrt(gaps.Select(g => (g - mean) * (g - mean)).Average());

        // Mean rate within 1 %; an exponential's standard deviation equals its mean (a metronome's would be 0).
        Assert.InRange(1.0 / mean, rate * 0.99, rate * 1.01);
        Assert.InRange(deviation / mean, 0.97, 1.03);
        Assert.All(gaps, g => Assert.True(g >= 0 && double.IsFinite(g)));
    }

    [Fact]
    public void ArrivalsInOneSecond_AreAboutTheRate()
    {
        const double rate = 1000;
        var schedule = new PoissonSchedule(rate, new Random(5));
        int seconds = 20;
        double time = 0;
        int arrivals = 0;
        while (time < seconds)
        {
            time += schedule.NextGapSeconds();
            arrivals++;
        }

        Assert.InRange(arrivals / (double)seconds, rate * 0.97, rate * 1.03);
    }
}
