using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// The client x band table, each client's share of dispatch next to its max-min fair share, and the pods' count
/// against the served one, as text for the console and as JSON for scripts.
/// </summary>
internal static class OverloadReport
{
    /// <summary>Each client's demand (requests sent) and the served total give its fair share; index = client.</summary>
    public static double[] FairShares(OverloadStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var demands = new double[OverloadClient.Count];
        double served = 0;
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            OverloadCellSummary all = statistics.Summarize(client, -1);
            demands[client] = all.Sent;
            served += all.Served;
        }

        return FairShare.Shares(demands, served);
    }

    /// <summary>Each client's served count over all served requests; index = client.</summary>
    public static double[] ServedShares(OverloadStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var shares = new double[OverloadClient.Count];
        double served = 0;
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            shares[client] = statistics.Summarize(client, -1).Served;
            served += shares[client];
        }

        for (int client = 0; client < shares.Length; client++)
        {
            shares[client] = served > 0 ? shares[client] / served : 0;
        }

        return shares;
    }

    public static string Render(OverloadOptions options, OverloadStatistics statistics, FleetRequests fleet)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(fleet);
        var text = new StringBuilder();
        text.AppendLine("client band  sent    served  429     503     other   hanging ttft p50 ms  ttft p99 ms");
        long served = 0;
        long hanging = 0;
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            for (int band = -1; band < OverloadBand.Count; band++)
            {
                OverloadCellSummary cell = statistics.Summarize(client, band);
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"{OverloadClient.Name(client),-6} {(band < 0 ? "all" : OverloadBand.Name(band)),-6} {cell.Sent,-7} {cell.Served,-7} {cell.TooManyRequests,-7} {cell.Unavailable,-7} {cell.OtherErrors,-7} {cell.Hanging,-7} {cell.TtftP50Ms,-12:F1} {cell.TtftP99Ms:F1}"));
                if (band < 0)
                {
                    served += cell.Served;
                    hanging += cell.Hanging;
                }
            }
        }

        if (statistics.FirstError is { } error)
        {
            text.AppendLine("first error: " + error);
        }

        double[] shares = ServedShares(statistics);
        double[] fair = FairShares(statistics);
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{OverloadClient.Name(client)} client: {shares[client]:P1} of dispatch, fair share {fair[client]:P1}"));
        }

        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"served {served} ({statistics.ServedPerSecond:F2}/s from the first arrival to the last answer), hanging {hanging}; offered {options.OfferedRate:F2}/s = {options.Load}x capacity {options.Capacity}/s"));
        text.AppendLine(fleet.PodsRead == 0
            ? "pods: none read" + (fleet.FirstError is null ? string.Empty : ": " + fleet.FirstError)
            : string.Create(CultureInfo.InvariantCulture,
                $"pods: prefill requests {fleet.PrefillRequests}, decode requests {fleet.DecodeRequests}, served {served}: {fleet.PrefillRequests - served} reached a prefill pod without being served; router retries {(fleet.RouterRetries < 0 ? "unknown" : fleet.RouterRetries.ToString(CultureInfo.InvariantCulture))}{(fleet.PodsUnread > 0 ? $"; {fleet.PodsUnread} pod(s) unread" : string.Empty)}"));
        return text.ToString();
    }

    public static void WriteJson(Stream destination, OverloadOptions options, OverloadStatistics statistics, FleetRequests fleet)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(fleet);
        using var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("name"u8, options.Name);
        writer.WriteString("scenario"u8, "overload");
        writer.WriteNumber("seed"u8, options.Seed);
        writer.WriteNumber("capacity"u8, options.Capacity);
        writer.WriteNumber("load"u8, options.Load);
        writer.WriteNumber("heavy_factor"u8, options.HeavyFactor);
        writer.WriteNumber("heavy_rate"u8, options.HeavyRate);
        writer.WriteNumber("light_rate"u8, options.LightRate);
        writer.WriteNumber("high_share"u8, options.HighShare);
        writer.WriteNumber("queue_timeout_s"u8, options.QueueTimeout.TotalSeconds);
        writer.WriteNumber("hang_timeout_s"u8, options.HangTimeout.TotalSeconds);
        writer.WriteNumber("duration_s"u8, options.Duration.TotalSeconds);
        double[] shares = ServedShares(statistics);
        double[] fair = FairShares(statistics);
        long sent = 0;
        long served = 0;
        long answered = 0;
        long hanging = 0;
        writer.WriteStartArray("clients"u8);
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            OverloadCellSummary all = statistics.Summarize(client, -1);
            sent += all.Sent;
            served += all.Served;
            answered += all.Answered;
            hanging += all.Hanging;
            writer.WriteStartObject();
            writer.WriteString("client"u8, OverloadClient.Name(client));
            writer.WriteNumber("dispatch_share"u8, shares[client]);
            writer.WriteNumber("fair_share"u8, fair[client]);
            WriteCell(writer, all);
            writer.WriteStartObject("bands"u8);
            for (int band = 0; band < OverloadBand.Count; band++)
            {
                writer.WriteStartObject(OverloadBand.Name(band));
                WriteCell(writer, statistics.Summarize(client, band));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("totals"u8);
        writer.WriteNumber("sent"u8, sent);
        writer.WriteNumber("served"u8, served);
        writer.WriteNumber("answered"u8, answered);
        writer.WriteNumber("hanging"u8, hanging);
        writer.WriteNumber("served_per_second"u8, statistics.ServedPerSecond);
        writer.WriteNumber("ttft_p50_ms"u8, statistics.AllTtftMs(50));
        writer.WriteNumber("ttft_p99_ms"u8, statistics.AllTtftMs(99));
        writer.WriteEndObject();
        writer.WriteStartObject("pods"u8);
        writer.WriteNumber("read"u8, fleet.PodsRead);
        writer.WriteNumber("unread"u8, fleet.PodsUnread);
        writer.WriteNumber("prefill_requests"u8, fleet.PrefillRequests);
        writer.WriteNumber("decode_requests"u8, fleet.DecodeRequests);
        writer.WriteNumber("reached_pod_unserved"u8, fleet.PrefillRequests - served);
        writer.WriteNumber("router_retries"u8, fleet.RouterRetries);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteCell(Utf8JsonWriter writer, OverloadCellSummary cell)
    {
        writer.WriteNumber("sent"u8, cell.Sent);
        writer.WriteNumber("served"u8, cell.Served);
        writer.WriteNumber("rejected_429"u8, cell.TooManyRequests);
        writer.WriteNumber("rejected_503"u8, cell.Unavailable);
        writer.WriteNumber("other_errors"u8, cell.OtherErrors);
        writer.WriteNumber("hanging"u8, cell.Hanging);
        writer.WriteNumber("ttft_p50_ms"u8, cell.TtftP50Ms);
        writer.WriteNumber("ttft_p99_ms"u8, cell.TtftP99Ms);
    }
}
