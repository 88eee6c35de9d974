using System.Globalization;
using System.Text.Json;
using FastRouter.LoadTests.Conversations;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// Reads every pod's <c>GET /sim/stats</c> and the router's <c>GET /metrics</c> after the run. A pod that does not
/// answer is counted as unread rather than failing the run: the client-side figures are still worth having.
/// </summary>
internal static class FleetRequestsReader
{
    private const string RetriesMetric = "fastrouter_retries_total";

    public static async Task<FleetRequests> ReadAsync(HttpClient http, OverloadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        long prefill = 0;
        long decode = 0;
        int read = 0;
        int unread = 0;
        string? firstError = null;
        foreach (Uri pod in options.Pods)
        {
            try
            {
                byte[] json = await http.GetByteArrayAsync(new Uri(pod, "sim/stats"), cancellationToken).ConfigureAwait(false);
                PodWork work = FleetStatsReader.ParsePodStats(pod, json);
                if (work.Role == "prefill")
                {
                    prefill += work.Requests;
                }
                else
                {
                    decode += work.Requests;
                }

                read++;
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException)
            {
                unread++;
                firstError ??= $"{pod.Authority}: {exception.Message}";
            }
        }

        double retries = -1;
        try
        {
            retries = SumCounter(await http.GetStringAsync(new Uri(options.Target, "metrics"), cancellationToken).ConfigureAwait(false), RetriesMetric);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // No /metrics: the retries column says unknown.
        }

        return new FleetRequests(prefill, decode, read, unread, retries, firstError);
    }

    /// <summary>The sum of a counter's samples over all its label sets (0 when it has none yet).</summary>
    public static double SumCounter(string metrics, string name)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        double sum = 0;
        foreach (string line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || (line[name.Length] != '{' && line[name.Length] != ' '))
            {
                continue;
            }

            int close = line.LastIndexOf('}');
            string[] rest = line[(close < 0 ? name.Length : close + 1)..].Trim().Split(' ');
            if (double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                sum += value;
            }
        }

        return sum;
    }
}
