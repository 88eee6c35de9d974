using System.Globalization;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Telemetry;

/// <summary>
/// --log-stats: every --log-stats-interval seconds, one summary per pod (role, in flight, requests, failures),
/// as production-stack's router prints its per-engine stats.
/// </summary>
internal sealed partial class StatsLogger : BackgroundService
{
    private readonly IBackendDiscovery _discovery;
    private readonly RouterOptions _options;
    private readonly ILogger<StatsLogger> _logger;
    private readonly TimeProvider _time;

    public StatsLogger(IBackendDiscovery discovery, RouterOptions options, ILogger<StatsLogger> logger, TimeProvider? time = null)
    {
        _discovery = discovery;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LogStatsInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Log.Stats(_logger, Describe(_discovery.Current));
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    internal static string Describe(RoutingTable table)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{table.PrefillCount} prefill and {table.DecodeCount} decode pods");
        foreach (Backend backend in table.Backends)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {backend.Name} role={backend.Role.ToString().ToLowerInvariant()} model={backend.Model ?? "*"} in_flight={backend.InFlight} requests={backend.Requests} failures={backend.Failures}");
        }

        return text.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(100, LogLevel.Information, "Router stats: {Summary}")]
        public static partial void Stats(ILogger logger, string summary);
    }
}
