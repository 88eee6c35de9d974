using FastRouter.Disaggregation;
using FastRouter.Proxying;
using FastRouter.Telemetry;
using FastRouter.Telemetry.ConsoleLog;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// The per-request lines written straight into the console logger's buffer say, byte for byte, what the
/// generic LoggerMessage path says for the same values, and are dropped and counted the same way when the console
/// stalls; the direct path is taken only when the router's console logger writing text is the only provider.
/// </summary>
public sealed class RequestLogDirectTests
{
    private const string Category = "FastRouter.Proxying.OrchestratedProxy";

    // Borderline and large values too: 0.125 and 0.005 sit on a rounding half, 1e10 leaves the fixed-point shortcut.
    private static readonly double[] Seconds = [0, 0.0831, 0.005, 0.125, 1.995, 12.3456, 1234.5, 1e10];

    [Fact]
    public void TheDirectLines_AreTheGenericPathsBytes()
    {
        var console = new ConsoleSinkStream();
        var provider = new RouterConsoleLoggerProvider(console, LogFormat.Text, new ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero)));
        using var factory = new LoggerFactory([provider]);
        ILogger logger = factory.CreateLogger(Category);
        var direct = new RequestLog(logger, Category, [provider]);

        // Another provider turns the direct path off; the factory here still writes to the console logger alone.
        var generic = new RequestLog(logger, Category, [provider, NullLoggerProvider.Instance]);
        Assert.True(direct.IsDirect);
        Assert.False(generic.IsDirect);

        int pairs = 0;
        foreach (RequestLog log in (RequestLog[])[direct, generic])
        {
            WriteEveryLine(log, "http://10.0.0.1:8000", new Uri("http://10.0.0.1:8000/v1/chat/completions"), "req-1", Seconds);
            WriteEveryLine(log, "http://pöd-ü.example:8100", new Uri("http://[fd00::1]:8200/v1/completions"), "ünï→code\r\nid", Seconds);
            pairs++;
        }

        provider.Dispose();
        string[] lines = console.Lines;
        Assert.Equal(2, pairs);
        Assert.Equal(0, lines.Length % 2);
        int half = lines.Length / 2;
        Assert.Equal(2 * (15 + (2 * Seconds.Length)), half);
        for (int i = 0; i < half; i++)
        {
            Assert.Equal(lines[half + i], lines[i]);
        }

        Assert.StartsWith("2026-03-04 05:06:07.089 info: " + Category + "[1] Starting orchestrated disaggregated inference [request_id=req-1]", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.EndsWith("[5] Prefill completed in 12.35s (TTFT) [request_id=req-1]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("[8] Orchestrated request completed, total time = 10000000000.00s [request_id=req-1]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("[request_id=ünï→code  id]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("info: " + Category + "[9] Serving decode-only on http://10.0.0.1:8000/decode (short_uncached) [request_id=req-1]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("info: " + Category + "[9] Serving decode-only on http://10.0.0.1:8000 (no_prefill) [request_id=req-1]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStalledConsole_DropsAndCountsDirectLines_ThenReportsThem()
    {
        var console = new ConsoleSinkStream();
        var provider = new RouterConsoleLoggerProvider(console, LogFormat.Text, TimeProvider.System, bufferBytes: 1024);
        using var factory = new LoggerFactory([provider]);
        var log = new RequestLog(factory.CreateLogger(Category), Category, [provider]);
        Assert.True(log.IsDirect);
        console.Stall();

        // The first group reaches the writer thread, which then waits in the stalled write; the buffer then fills.
        // A group of four lines is queued or dropped whole, and counted as four.
        var uri = new Uri("http://10.0.0.1:8000/v1/completions");
        log.Attempt(first: true, "http://10.0.0.1:8000", "http://10.0.0.2:8000", uri, "stalled");
        Assert.True(await Eventually.TrueAsync(() => console.WritesStarted == 1));
        const int More = 20;
        for (int i = 0; i < More; i++)
        {
            log.Attempt(first: true, "http://10.0.0.1:8000", "http://10.0.0.2:8000", uri, "stalled");
        }

        long dropped = provider.Writer.DroppedLines;
        Assert.InRange(dropped, 4, 4 * (More - 1));
        Assert.Equal(0, dropped % 4);

        console.Resume();
        provider.Dispose();
        string[] lines = console.Lines;
        Assert.Equal((4 * (1 + More)) - dropped, lines.Count(l => l.EndsWith("[request_id=stalled]", StringComparison.Ordinal)));
        Assert.Equal(1 + More - (dropped / 4), lines.Count(l => l.Contains("] Starting orchestrated", StringComparison.Ordinal)));
        Assert.Contains(dropped.ToString(System.Globalization.CultureInfo.InvariantCulture) + " log lines", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void JsonLines_TakeTheGenericPath()
    {
        using var provider = new RouterConsoleLoggerProvider(new ConsoleSinkStream(), LogFormat.Json, TimeProvider.System);
        using var factory = new LoggerFactory([provider]);
        Assert.False(new RequestLog(factory.CreateLogger(Category), Category, [provider]).IsDirect);
    }

    [Fact]
    public void AboveInformation_NothingIsWritten()
    {
        var console = new ConsoleSinkStream();
        var provider = new RouterConsoleLoggerProvider(console, LogFormat.Text, TimeProvider.System);
        using var factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning).AddProvider(provider));
        var log = new RequestLog(factory.CreateLogger(Category), Category, [provider]);
        Assert.True(log.IsDirect);

        WriteEveryLine(log, "http://10.0.0.1:8000", new Uri("http://10.0.0.1:8000/v1/completions"), "quiet", Seconds);
        provider.Dispose();
        Assert.Empty(console.Lines);
    }

    private static void WriteEveryLine(RequestLog log, string endpoint, Uri uri, string requestId, double[] seconds)
    {
        log.Attempt(first: true, endpoint, endpoint + "/decode", uri, requestId);
        log.SendingPrefill(uri, requestId);
        log.Attempt(first: false, endpoint + "/retry", endpoint, uri, requestId);
        log.SendingDecode(uri, requestId);
        foreach (double value in seconds)
        {
            log.PrefillCompleted(value, requestId);
            log.Completed(value, requestId);
        }

        log.Attempt(first: true, endpoint, endpoint, uri, requestId);
        log.DecodeOnly(endpoint + "/decode", DisaggregationDecision.DecodeOnlyShortUncached, requestId);
        log.DecodeOnly(endpoint, DisaggregationDecision.DecodeOnlyNoPrefill, requestId);
    }
}
