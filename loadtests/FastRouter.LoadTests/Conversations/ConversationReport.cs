using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FastRouter.LoadTests.Conversations;

/// <summary>The per-turn table and the fleet's figures, as text for the console and as JSON for scripts.</summary>
internal static class ConversationReport
{
    public static string Render(TurnStatistics statistics, FleetWork fleet)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(fleet);
        var text = new StringBuilder();
        text.AppendLine("turn   ok      errors  ttft p50 ms  ttft p99 ms  itl p50 ms  itl p99 ms");
        for (int turn = 1; turn <= statistics.Turns; turn++)
        {
            AppendTurn(text, statistics.Summarize(turn), turn.ToString(CultureInfo.InvariantCulture));
        }

        AppendTurn(text, statistics.Summarize(0), "all");
        if (statistics.FirstError is { } error)
        {
            text.AppendLine("first error: " + error);
        }

        text.AppendLine();
        text.AppendLine("pod                            role     computed    cached      requests  share of role mean");
        foreach (PodWork pod in fleet.Pods)
        {
            text.AppendLine(pod.Error is null
                ? string.Create(CultureInfo.InvariantCulture, $"{pod.Pod.Authority,-30} {pod.Role,-8} {pod.PromptTokensComputed,-11} {pod.PromptTokensCached,-11} {pod.Requests,-9} {pod.ShareOfRoleMean:F2}")
                : $"{pod.Pod.Authority,-30} no stats: {pod.Error}");
        }

        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"hit rate: prefill {fleet.PrefillHitRate:P1}, decode {fleet.DecodeHitRate:P1}, fleet {fleet.HitRate:P1}; prefill tokens computed {fleet.PrefillComputed}; max/mean prefill share {fleet.MaxPrefillShare:F2}; disaggregated {fleet.DisaggregatedShare:P1} of {fleet.ClientRequests} requests"));
        return text.ToString();
    }

    public static void WriteJson(Stream destination, ConversationOptions options, TurnStatistics statistics, FleetWork fleet)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(fleet);
        using var writer = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("name"u8, options.Name);
        writer.WriteString("scenario"u8, "conversations");
        writer.WriteNumber("seed"u8, options.Seed);
        writer.WriteNumber("rate"u8, options.Rate);
        writer.WriteNumber("warmup_seconds"u8, options.Warmup.TotalSeconds);
        writer.WriteNumber("routers"u8, options.Targets.Count);
        writer.WriteStartArray("turns"u8);
        for (int turn = 0; turn <= statistics.Turns; turn++)
        {
            TurnSummary summary = statistics.Summarize(turn);
            writer.WriteStartObject();
            writer.WriteNumber("turn"u8, turn);
            writer.WriteNumber("succeeded"u8, summary.Succeeded);
            writer.WriteNumber("failed"u8, summary.Failed);
            writer.WriteNumber("ttft_p50_ms"u8, summary.TtftP50Ms);
            writer.WriteNumber("ttft_p99_ms"u8, summary.TtftP99Ms);
            writer.WriteNumber("itl_p50_ms"u8, summary.ItlP50Ms);
            writer.WriteNumber("itl_p99_ms"u8, summary.ItlP99Ms);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("pods"u8);
        foreach (PodWork pod in fleet.Pods)
        {
            writer.WriteStartObject();
            writer.WriteString("url"u8, pod.Pod.AbsoluteUri);
            writer.WriteString("role"u8, pod.Role);
            writer.WriteNumber("prompt_tokens_computed"u8, pod.PromptTokensComputed);
            writer.WriteNumber("prompt_tokens_cached"u8, pod.PromptTokensCached);
            writer.WriteNumber("requests"u8, pod.Requests);
            writer.WriteNumber("share_of_role_mean"u8, pod.ShareOfRoleMean);
            if (pod.Error is not null)
            {
                writer.WriteString("error"u8, pod.Error);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("fleet"u8);
        writer.WriteNumber("client_requests"u8, fleet.ClientRequests);
        writer.WriteNumber("prefill_tokens_computed"u8, fleet.PrefillComputed);
        writer.WriteNumber("prefill_tokens_cached"u8, fleet.PrefillCached);
        writer.WriteNumber("decode_tokens_computed"u8, fleet.DecodeComputed);
        writer.WriteNumber("decode_tokens_cached"u8, fleet.DecodeCached);
        writer.WriteNumber("prefill_hit_rate"u8, fleet.PrefillHitRate);
        writer.WriteNumber("decode_hit_rate"u8, fleet.DecodeHitRate);
        writer.WriteNumber("hit_rate"u8, fleet.HitRate);
        writer.WriteNumber("max_prefill_share"u8, fleet.MaxPrefillShare);
        writer.WriteNumber("max_decode_share"u8, fleet.MaxDecodeShare);
        writer.WriteNumber("disaggregated_share"u8, fleet.DisaggregatedShare);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void AppendTurn(StringBuilder text, TurnSummary summary, string label) =>
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-6} {summary.Succeeded,-7} {summary.Failed,-7} {summary.TtftP50Ms,-12:F1} {summary.TtftP99Ms,-12:F1} {summary.ItlP50Ms,-11:F1} {summary.ItlP99Ms:F1}"));
}
