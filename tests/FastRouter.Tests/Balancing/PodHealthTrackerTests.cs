using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Tests.Balancing;

/// <summary>Passive ejection on a manual clock: no sleeping, exact times.</summary>
public sealed class PodHealthTrackerTests
{
    private static (PodHealthTracker Tracker, ManualTimeProvider Clock, Backend Pod) Create(int threshold = 3)
    {
        var clock = new ManualTimeProvider();
        var options = new RouterOptions { EjectAfterFailures = threshold, EjectionTime = TimeSpan.FromSeconds(5), MaxEjectionTime = TimeSpan.FromSeconds(30) };
        var tracker = new PodHealthTracker(options, clock, NullLogger<PodHealthTracker>.Instance);
        var pod = new Backend(new Uri("http://10.0.0.1:8000"), BackendRole.Prefill, null, new HttpMessageInvoker(new SocketsHttpHandler()));
        return (tracker, clock, pod);
    }

    [Fact]
    public void ConsecutiveFailures_EjectThePod_UntilItsTimeIsUp()
    {
        var (tracker, clock, pod) = Create();

        Assert.False(tracker.ReportFailure(pod));
        Assert.False(tracker.ReportFailure(pod));
        Assert.True(tracker.ReportFailure(pod));

        Assert.False(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
        Assert.Equal(1, pod.Health.EjectionCount);
    }

    [Fact]
    public void ASuccess_EndsTheFailureStreak()
    {
        var (tracker, clock, pod) = Create();

        tracker.ReportFailure(pod);
        tracker.ReportFailure(pod);
        tracker.ReportSuccess(pod);
        tracker.ReportFailure(pod);
        tracker.ReportFailure(pod);

        Assert.True(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
    }

    [Fact]
    public void EjectionsInARow_Double_UpToTheCap_AndASuccessAfterwardsForgives()
    {
        var (tracker, clock, pod) = Create(threshold: 1);
        var lengths = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(tracker.ReportFailure(pod));
            double seconds = (pod.Health.EjectedUntilTimestamp - clock.GetTimestamp()) / (double)clock.TimestampFrequency;
            lengths.Add(seconds);
            clock.Advance(TimeSpan.FromSeconds(seconds));
        }

        Assert.Equal([5, 10, 20, 30, 30], lengths);
        tracker.ReportSuccess(pod);
        Assert.Equal(0, pod.Health.EjectionCount);
        Assert.True(tracker.ReportFailure(pod));
        Assert.Equal(5, (pod.Health.EjectedUntilTimestamp - clock.GetTimestamp()) / (double)clock.TimestampFrequency);
    }

    [Fact]
    public void ZeroThreshold_TurnsPassiveEjectionOff()
    {
        var (tracker, clock, pod) = Create(threshold: 0);

        for (int i = 0; i < 10; i++)
        {
            Assert.False(tracker.ReportFailure(pod));
        }

        Assert.True(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
    }

    [Fact]
    public void AFailingProbe_MakesThePodUnavailable_UntilAProbePasses()
    {
        var (tracker, clock, pod) = Create();

        tracker.ReportProbe(pod, healthy: false, "status 503");
        Assert.False(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
        tracker.ReportProbe(pod, healthy: true, null);
        Assert.True(PodHealthTracker.IsAvailable(pod, clock.GetTimestamp()));
    }
}
