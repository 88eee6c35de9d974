using System.Text.Json;
using System.Text.RegularExpressions;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Telemetry;

public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Dashboard_IsValidJson_AndEveryExpressionUsesOnlyExportedMetrics()
    {
        string path = System.IO.Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "fastrouter.json");
        using JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        Assert.Equal("fastrouter", dashboard.RootElement.GetProperty("uid").GetString());

        // What /metrics really exports after traffic: family names, plus a histogram's _bucket/_sum/_count.
        await using TelemetryTestHost host = await TelemetryTestHost.StartAsync();
        MetricsFlow.Request(host.Metrics, host.Prefill, host.Decode, stream: true);
        MetricsFlow.RareEvents(host.Metrics, host.Prefill);
        var metrics = PrometheusText.Parse(await host.ScrapeAsync());
        var exported = new HashSet<string>(metrics.Samples.Select(s => s.Name), StringComparer.Ordinal);

        var ids = new HashSet<int>();
        int expressions = 0;
        foreach (JsonElement panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), "duplicate panel id");
            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }

            Assert.False(string.IsNullOrWhiteSpace(panel.GetProperty("description").GetString()));
            foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
            {
                string expr = target.GetProperty("expr").GetString()!;
                expressions++;
                foreach (Match name in MetricName().Matches(expr))
                {
                    Assert.True(exported.Contains(name.Value), $"panel '{panel.GetProperty("title").GetString()}' uses {name.Value}, which /metrics does not export");
                }
            }
        }

        Assert.True(expressions >= 20);
    }

    [GeneratedRegex("(?<![a-zA-Z0-9_:])(fastrouter_|vllm:|process_|dotnet_)[a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();
}
