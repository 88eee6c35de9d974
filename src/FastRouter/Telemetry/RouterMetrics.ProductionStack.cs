using System.Diagnostics.Metrics;
using FastRouter.Discovery;

namespace FastRouter.Telemetry;

/// <summary>
/// production-stack's router gauges (src/vllm_router/services/metrics_service and stats/request_stats.py), with
/// its names, its <c>server</c> label (the pod's URL) and its meanings, per pod and per backend call, over
/// --request-stats-window (60 s by default, the figure written below):
/// <list type="bullet">
/// <item><c>vllm:current_qps</c>: calls started on the pod in the last 60 s, divided by 60.</item>
/// <item><c>vllm:num_prefill_requests</c>: calls sent, no response headers yet; <c>vllm:num_decoding_requests</c>:
/// calls whose answer is arriving; <c>vllm:num_requests_running</c>: their sum.</item>
/// <item><c>vllm:avg_latency</c>: mean duration of the calls that ended in the last 60 s (-1 when none).</item>
/// <item><c>vllm:avg_itl</c>: mean gap between relayed events on the pod in the last 60 s (-1 when none; production-stack
/// never computes it and always reports -1).</item>
/// <item><c>vllm:avg_decoding_length</c>: mean completion tokens per request in the last 60 s (-1 when none).</item>
/// <item><c>vllm:healthy_pods_total</c>: 1 for a pod in the routing table and not ejected, else 0.</item>
/// <item><c>vllm:num_requests_swapped</c>: 0 (the router cannot see swapping; kept so dashboards find the series).</item>
/// </list>
/// </summary>
internal sealed partial class RouterMetrics
{
    private void CreateProductionStackGauges()
    {
        _meter.CreateObservableGauge("vllm:current_qps", () => PerPod(static (stats, second, window) => stats.Started.Read(second).Count / (double)window), null, "Current Queries Per Second");
        _meter.CreateObservableGauge("vllm:avg_latency", () => PerPod(static (stats, second, _) => Average(stats.Latency.Read(second), 1e-6)), null, "Average end-to-end request latency");
        _meter.CreateObservableGauge("vllm:avg_itl", () => PerPod(static (stats, second, _) => Average(stats.InterEvent.Read(second), 1e-6)), null, "Average Inter-Token Latency");
        _meter.CreateObservableGauge("vllm:avg_decoding_length", () => PerPod(static (stats, second, _) => Average(stats.DecodingLength.Read(second), 1)), null, "Average Decoding Length");
        _meter.CreateObservableGauge("vllm:num_prefill_requests", () => PerPod(static (stats, _, _) => stats.InPrefill), null, "Number of Prefill Requests");
        _meter.CreateObservableGauge("vllm:num_decoding_requests", () => PerPod(static (stats, _, _) => stats.InDecoding), null, "Number of Decoding Requests");
        _meter.CreateObservableGauge("vllm:num_requests_running", () => PerPod(static (stats, _, _) => stats.InPrefill + stats.InDecoding), null, "Number of running requests");
        _meter.CreateObservableGauge("vllm:num_requests_swapped", () => PerPod(static (_, _, _) => 0), null, "Number of swapped requests");
        _meter.CreateObservableGauge("vllm:healthy_pods_total", () => PerPod(static (stats, _, _) => stats.Known && !stats.Ejected ? 1 : 0), null, "Number of healthy vLLM pods");
    }

    private static double Average((long Count, long Sum) window, double scale) => window.Count == 0 ? -1 : window.Sum * scale / window.Count;

    private Measurement<double>[] PerPod(Func<PodStats, long, int, double> value)
    {
        List<(Backend Pod, PodStats Stats)> pods = Pods.Snapshot(Discovery.Current);
        long second = Second(_time.GetTimestamp());
        var measurements = new Measurement<double>[pods.Count];
        for (int i = 0; i < pods.Count; i++)
        {
            PodStats stats = pods[i].Stats;
            measurements[i] = new Measurement<double>(value(stats, second, Pods.WindowSeconds), new KeyValuePair<string, object?>(MetricLabels.Server, stats.Name));
        }

        return measurements;
    }
}
