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

        // What /metrics really exports after real traffic that moves every family: the series' names, a
        // histogram's _bucket/_sum/_count among them.
        await using RouterTestHarness host = await EveryEventTraffic.StartAsync();
        await EveryEventTraffic.DriveAsync(host);
        var metrics = PrometheusText.Parse(await host.ScrapeAsync());
        var exported = new HashSet<string>(metrics.Samples.Select(s => s.Name), StringComparer.Ordinal);

        var ids = new HashSet<int>();
        var queried = new HashSet<string>(StringComparer.Ordinal);
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
                    queried.Add(name.Value);
                    Assert.True(exported.Contains(name.Value), $"panel '{panel.GetProperty("title").GetString()}' uses {name.Value}, which /metrics does not export");
                }
            }
        }

        Assert.True(expressions >= 20);
        Assert.True(queried.Count >= 20, "only " + queried.Count + " metrics found in the dashboard's expressions");
    }

    [GeneratedRegex("(?<![a-zA-Z0-9_:])(fastrouter_|vllm:|process_|dotnet_)[a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();
}
