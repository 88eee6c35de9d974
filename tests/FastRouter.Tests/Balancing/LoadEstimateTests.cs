using FastRouter.Discovery;
using FastRouter.Engines;

namespace FastRouter.Tests.Balancing;

/// <summary>The engines' view plus this router's requests since it, or the router's own count when the view is stale.</summary>
public sealed class LoadEstimateTests
{
    [Fact]
    public void WithoutASnapshot_TheLoadIsThisRoutersInFlight()
    {
        using var fleet = new PickerFleet(1);
        PickerFleet.Load(fleet.Pods[0], 3);

        Assert.Equal(3, fleet.Picker.Load.Of(fleet.Pods[0], fleet.Clock.GetTimestamp()));
    }

    [Fact]
    public void AFreshSnapshot_CountsTheEngine_PlusRequestsSentSinceTheScrape()
    {
        using var fleet = new PickerFleet(1);
        var pod = fleet.Pods[0];
        PickerFleet.Load(pod, 2);
        fleet.Scraped(pod, running: 5, waiting: 4);

        // Two of the engine's nine were already ours at the scrape; three more sent since.
        PickerFleet.Load(pod, 3);
        fleet.Clock.Advance(TimeSpan.FromSeconds(2.9));

        Assert.Equal(9 + 3, fleet.Picker.Load.Of(pod, fleet.Clock.GetTimestamp()));
    }

    [Fact]
    public void RequestsFinishedSinceTheScrape_DoNotMakeTheDeltaNegative()
    {
        using var fleet = new PickerFleet(1);
        var pod = fleet.Pods[0];
        PickerFleet.Load(pod, 4);
        fleet.Scraped(pod, running: 6, waiting: 0);
        for (int i = 0; i < 4; i++)
        {
            pod.Release();
        }

        Assert.Equal(6, fleet.Picker.Load.Of(pod, fleet.Clock.GetTimestamp()));
    }

    [Fact]
    public void ASnapshotOlderThanThreeIntervals_IsIgnored()
    {
        using var fleet = new PickerFleet(1);
        var pod = fleet.Pods[0];
        fleet.Scraped(pod, running: 20, waiting: 10);
        PickerFleet.Load(pod, 1);
        fleet.Clock.Advance(TimeSpan.FromSeconds(3.1));

        Assert.Equal(1, fleet.Picker.Load.Of(pod, fleet.Clock.GetTimestamp()));
    }

    [Fact]
    public void GaugesTheEngineDidNotExport_CountAsNothing()
    {
        using var fleet = new PickerFleet(1);
        var pod = fleet.Pods[0];
        pod.Engine = new EngineSnapshot { ReceivedAt = fleet.Clock.GetTimestamp(), RouterInFlightAtScrape = 0, Running = double.NaN, Waiting = 2 };

        Assert.Equal(2, fleet.Picker.Load.Of(pod, fleet.Clock.GetTimestamp()));
    }

    [Fact]
    public void Work_IsTheEnginesRate_PlusTokensSentSinceTheScrape_OverTheSmoothingWindow()
    {
        using var fleet = new PickerFleet(1, role: BackendRole.Prefill);
        var pod = fleet.Pods[0];
        pod.CountPromptTokensSent(500); // before the scrape: already in the engine's figure
        fleet.ScrapedWork(pod, 800);
        pod.CountPromptTokensSent(1500);

        // Smoothing window: 10 s (more than three intervals of 1 s).
        Assert.Equal(800 + (1500 / 10.0), fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp()), 9);
    }

    [Fact]
    public void Work_WithoutAFreshEngineRate_IsThisRoutersOwnTokensPerSecond()
    {
        using var fleet = new PickerFleet(1, role: BackendRole.Prefill);
        var pod = fleet.Pods[0];
        long frequency = fleet.Clock.TimestampFrequency;
        TimeSpan noSmoothing = TimeSpan.Zero;

        // Sampled each interval by the scraper; 4,000 tokens sent over 2 s.
        pod.OwnPromptRate.Sample(pod.PromptTokensSent, fleet.Clock.GetTimestamp(), frequency, noSmoothing);
        pod.CountPromptTokensSent(4000);
        fleet.Clock.Advance(TimeSpan.FromSeconds(2));
        pod.OwnPromptRate.Sample(pod.PromptTokensSent, fleet.Clock.GetTimestamp(), frequency, noSmoothing);

        // Never scraped: the router's own rate.
        Assert.Equal(2000, fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp()), 9);

        // A fresh engine rate wins; once it is stale (3 intervals), the own rate again.
        fleet.ScrapedWork(pod, 5000);
        Assert.Equal(5000, fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp()), 9);
        fleet.Clock.Advance(TimeSpan.FromSeconds(3.1));
        Assert.Equal(2000, fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp()), 9);
    }

    [Fact]
    public void Work_IsUnknown_WithoutASnapshotOrItsRate()
    {
        using var fleet = new PickerFleet(1, role: BackendRole.Prefill);
        var pod = fleet.Pods[0];
        Assert.True(double.IsNaN(fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp())));

        fleet.ScrapedWork(pod, double.NaN);
        Assert.True(double.IsNaN(fleet.Picker.Load.WorkOf(pod, fleet.Clock.GetTimestamp())));
    }
}
