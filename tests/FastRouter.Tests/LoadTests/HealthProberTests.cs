using System.Net;
using System.Net.Sockets;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Probing;
using FastRouter.LoadTests.Reporting;
using FastRouter.LoadTests.Scenarios;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.LoadTests;

/// <summary>Probe mode against the real router, and against a server that accepts and never answers.</summary>
public sealed class HealthProberTests
{
    [Fact]
    public async Task ProbesTheRouter_CountingKubeletsSuccessesAndFailures()
    {
        // One role missing: /health answers 200 and /readyz 503, so one run of each shows both counts.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[0]] });

        ProbeSummary health = await HealthProber.RunAsync(Options(harness.Address, "/health"), "test", CancellationToken.None);
        ProbeSummary ready = await HealthProber.RunAsync(Options(harness.Address, "/readyz"), "test", CancellationToken.None);

        // A loaded machine may fit fewer probes than the interval allows; a few are enough to check the counts.
        Assert.True(health.Probes >= 3, $"only {health.Probes} probes in 2 s at a 50 ms interval");
        Assert.Equal(health.Probes, health.Succeeded);
        Assert.Equal(health.Probes, health.Latency.Count);
        Assert.True(health.Latency.MaxMs > 0);
        Assert.True(ready.Probes >= 3, $"only {ready.Probes} probes");
        Assert.Equal(ready.Probes, ready.FailedStatus);
        Assert.Equal(0, ready.Succeeded);
    }

    [Fact]
    public async Task AServerThatNeverAnswers_CountsTimeouts_AtTheTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(100);
        var target = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");

        ProbeSummary summary = await HealthProber.RunAsync(Options(target, "/health") with { ProbeTimeout = TimeSpan.FromMilliseconds(200) }, "test", CancellationToken.None);

        Assert.True(summary.Probes >= 2, $"only {summary.Probes} probes");
        Assert.Equal(summary.Probes, summary.TimedOut);
        Assert.Equal(summary.Probes, summary.Failed);
        Assert.True(summary.Latency.MinMs >= 190, $"a timed-out probe took {summary.Latency.MinMs} ms");
    }

    [Fact]
    public void CommandLine_TakesAProbePath_AndRefusesOneWithoutASlashOrATarget()
    {
        ParsedCommandLine parsed = LoadTestCommandLine.Parse(["--target", "http://127.0.0.1:9", "--probe", "/health", "--probe-interval", "250ms"], DateTimeOffset.UnixEpoch);

        Assert.True(parsed.Options!.IsProbe);
        Assert.Equal("/health", parsed.Options.ProbePath);
        Assert.Equal(TimeSpan.FromMilliseconds(250), parsed.Options.ProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), parsed.Options.ProbeTimeout);
        Assert.Throws<CommandLineException>(() => LoadTestCommandLine.Parse(["--target", "http://127.0.0.1:9", "--probe", "health"], DateTimeOffset.UnixEpoch));
        Assert.Throws<CommandLineException>(() => LoadTestCommandLine.Parse(["--direct-prefill", "http://127.0.0.1:9", "--direct-decode", "http://127.0.0.1:10", "--probe", "/health"], DateTimeOffset.UnixEpoch));
    }

    private static LoadTestOptions Options(Uri target, string path) => new()
    {
        Target = target,
        Scenario = ScenarioCatalog.Find("chat")!,
        Name = "probe-test",
        OutputDirectory = Path.GetTempPath(),
        Duration = TimeSpan.FromSeconds(2),
        Warmup = TimeSpan.Zero,
        ProbePath = path,
        ProbeInterval = TimeSpan.FromMilliseconds(50),
        Progress = false,
    };
}
