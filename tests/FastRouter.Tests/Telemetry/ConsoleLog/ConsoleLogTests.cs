using System.Text.Json;
using System.Text.RegularExpressions;
using FastRouter.Telemetry;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>
/// The router's own console output at the default level, as <c>kubectl logs</c> shows it: the seed's seven lines per
/// request in text and JSON lines, and a console that stops reading never holding a request up.
/// </summary>
public sealed partial class ConsoleLogTests
{
    private const string ProxyCategory = "FastRouter.Proxying.OrchestratedProxy";

    [Fact]
    public async Task AtTheDefaultLevel_TextLines_CarryTheSeedsSevenLinesWithTheRequestId()
    {
        await using ConsoleRouter router = await ConsoleRouter.StartAsync();
        using (HttpResponseMessage response = await router.CompleteAsync("text-1"))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        await router.StopAsync();

        string[] lines = router.Console.Lines;
        string[] proxy = [.. lines.Where(l => l.Contains(" " + ProxyCategory + "[", StringComparison.Ordinal))];
        string[] expected =
        [
            @"Starting orchestrated disaggregated inference",
            @"Prefill endpoint: " + Regex.Escape(router.PrefillAuthority),
            @"Decode endpoint: " + Regex.Escape(router.DecodeAuthority),
            @"Sending prefill request to " + Regex.Escape(router.PrefillAuthority + "/v1/completions"),
            @"Prefill completed in \d+\.\d\ds \(TTFT\)",
            @"Sending decode request to " + Regex.Escape(router.DecodeAuthority + "/v1/completions"),
            @"Orchestrated request completed, total time = \d+\.\d\ds",
        ];
        Assert.Equal(expected.Length, proxy.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info: " + Regex.Escape(ProxyCategory) + @"\[\d+\] " + expected[i] + @" \[request_id=text-1\]$", proxy[i]);
        }

        // Every other line has the same shape, so one grep reads them all (the host's own lines included).
        Assert.Contains(lines, l => l.Contains("Microsoft.Hosting.Lifetime[", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(TextLine(), l));
    }

    [Fact]
    public async Task AtTheDefaultLevel_JsonLines_CarryTheSeedsSevenLinesWithTheRequestIdAsAField()
    {
        await using ConsoleRouter router = await ConsoleRouter.StartAsync(o => o with { LogFormat = LogFormat.Json });
        using (HttpResponseMessage response = await router.CompleteAsync("json-1", stream: true))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        await router.StopAsync();

        var proxy = new List<JsonElement>();
        foreach (string line in router.Console.Lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement.Clone();
            Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
            if (root.GetProperty("category").GetString() == ProxyCategory)
            {
                proxy.Add(root);
            }
        }

        string[] events = ["Starting", "PrefillEndpoint", "DecodeEndpoint", "SendingPrefill", "PrefillCompleted", "SendingDecode", "Completed"];
        Assert.Equal(events, proxy.Select(l => l.GetProperty("event").GetString()));
        Assert.All(proxy, l =>
        {
            Assert.Equal("info", l.GetProperty("level").GetString());
            Assert.Equal("json-1", l.GetProperty("request_id").GetString());
            Assert.EndsWith(" [request_id=json-1]", l.GetProperty("message").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal(router.PrefillAuthority, proxy[1].GetProperty("endpoint").GetString());
        Assert.Equal(router.DecodeAuthority + "/v1/completions", proxy[5].GetProperty("uri").GetString());
        Assert.Matches(@"^Prefill completed in \d+\.\d\ds \(TTFT\) ", proxy[4].GetProperty("message").GetString());
        Assert.True(proxy[6].GetProperty("seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task AtWarning_TheConsoleGetsNoPerRequestLines()
    {
        await using ConsoleRouter router = await ConsoleRouter.StartAsync(o => o with { LogLevel = LogLevel.Warning });
        using (HttpResponseMessage response = await router.CompleteAsync("quiet-1"))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }

        await router.StopAsync();

        Assert.DoesNotContain(router.Console.Lines, l => l.Contains("quiet-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStalledConsole_NeverHoldsARequest_LinesAreDroppedCountedAndReported()
    {
        await using ConsoleRouter router = await ConsoleRouter.StartAsync();
        router.Console.Stall();

        // Far more lines than the two buffers hold (about 1 KB of lines per request, 2 × 512 KiB buffered), while
        // every write to the console waits. With the .NET console logger, whose queue waits when full, these hang.
        const int Requests = 1600;
        const int Concurrency = 8;
        int next = 0;
        int succeeded = 0;
        async Task RunAsync()
        {
            while (Interlocked.Increment(ref next) <= Requests)
            {
                using HttpResponseMessage response = await router.CompleteAsync("stall-" + next.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if ((int)response.StatusCode == 200)
                {
                    Interlocked.Increment(ref succeeded);
                }
            }
        }

        Task load = Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => RunAsync()));
        Task finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(120)));
        Assert.Same(load, finished);
        await load;
        Assert.Equal(Requests, succeeded);
        Assert.True(router.Console.WritesStarted >= 1, "the writer should be stuck in a write");

        string metrics = await router.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Match dropped = Regex.Match(metrics, @"^fastrouter_log_lines_dropped_total (\d+)$", RegexOptions.Multiline);
        Assert.True(dropped.Success, "no fastrouter_log_lines_dropped_total in /metrics");
        long count = long.Parse(dropped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(count > 0, "no line was counted as dropped");

        router.Console.Resume();
        await router.StopAsync();
        string warning = Assert.Single(router.Console.Lines, l => l.Contains(" log lines dropped", StringComparison.Ordinal));
        Assert.Matches(@" warn: FastRouter\.Telemetry\.ConsoleLog\[1\] \d+ log lines dropped", warning);
        long reported = long.Parse(Regex.Match(warning, @"\] (\d+) log lines").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(reported >= count, $"the warning says {reported} lines, /metrics said {count} before");
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (trce|dbug|info|warn|fail|crit): [\w.]+\[\d+\] \S")]
    private static partial Regex TextLine();
}
