using System.Globalization;
using System.Text.Json;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// Reads each pod's <c>GET /sim/stats</c> and each router's <c>GET /metrics</c> after the run. A pod that does not
/// answer is reported with its error rather than failing the run: the latencies are still worth having.
/// </summary>
internal static class FleetStatsReader
{
    private const string DecisionsMetric = "fastrouter_disaggregation_decisions_total";

    public static async Task<FleetWork> ReadAsync(HttpClient http, ConversationOptions options, long clientRequests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var pods = new List<PodWork>(options.Pods.Count);
        foreach (Uri pod in options.Pods)
        {
            try
            {
                byte[] json = await http.GetByteArrayAsync(new Uri(pod, "sim/stats"), cancellationToken).ConfigureAwait(false);
                pods.Add(ParsePodStats(pod, json));
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException)
            {
                pods.Add(new PodWork(pod, "unknown", 0, 0, 0, exception.Message));
            }
        }

        var decisions = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Uri router in options.Targets)
        {
            try
            {
                string metrics = await http.GetStringAsync(new Uri(router, "metrics"), cancellationToken).ConfigureAwait(false);
                AddDecisions(metrics, decisions);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // A router without /metrics: the share falls back to the pods' prefill count.
            }
        }

        return new FleetWork(pods, clientRequests, decisions);
    }

    /// <summary>
    /// The sim's figures; <c>prompt_tokens_computed</c>/<c>_cached</c> come with its engine model, and without it
    /// every prompt token is computed (<c>prompt_tokens</c>), nothing cached.
    /// </summary>
    public static PodWork ParsePodStats(Uri pod, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement root = document.RootElement;
        string role = root.TryGetProperty("role"u8, out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "unknown";
        long computed = Number(root, "prompt_tokens_computed") ?? Number(root, "prompt_tokens") ?? 0;
        long cached = Number(root, "prompt_tokens_cached") ?? 0;
        long requests = (Number(root, "chat_completion_requests") ?? 0) + (Number(root, "text_completion_requests") ?? 0);
        return new PodWork(pod, role, computed, cached, requests, null);
    }

    /// <summary>Adds the samples of the decisions counter, by their <c>decision</c> label, to <paramref name="decisions"/>.</summary>
    public static void AddDecisions(string metrics, Dictionary<string, double> decisions)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(decisions);
        foreach (string line in metrics.Split('\n'))
        {
            if (!line.StartsWith(DecisionsMetric + "{", StringComparison.Ordinal))
            {
                continue;
            }

            int label = line.IndexOf("decision=\"", StringComparison.Ordinal);
            int close = line.IndexOf('}', StringComparison.Ordinal);
            if (label < 0 || close < 0)
            {
                continue;
            }

            int valueStart = label + "decision=\"".Length;
            int valueEnd = line.IndexOf('"', valueStart);
            string[] rest = line[(close + 1)..].Trim().Split(' ');
            if (valueEnd < 0 || !double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                continue;
            }

            string decision = line[valueStart..valueEnd];
            decisions[decision] = decisions.GetValueOrDefault(decision) + value;
        }
    }

    private static long? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : null;
}
