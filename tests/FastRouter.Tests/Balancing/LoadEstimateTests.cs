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
}
