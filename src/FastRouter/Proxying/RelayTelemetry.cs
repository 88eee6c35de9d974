using FastRouter.Discovery;
using FastRouter.Telemetry;

namespace FastRouter.Proxying;

/// <summary>What <see cref="DecodeRelay"/> needs to record TTFT, the KV handoff gap, inter-event gaps and tokens.</summary>
/// <param name="Metrics">The router's metrics.</param>
/// <param name="Decode">The decode pod relaying.</param>
/// <param name="Call">The decode leg's call record.</param>
/// <param name="RequestStartedAt">When the client's request arrived (a Stopwatch timestamp).</param>
/// <param name="PrefillAnsweredAt">When the prefill answer had been read; 0 without one.</param>
internal readonly record struct RelayTelemetry(RouterMetrics Metrics, Backend Decode, BackendCall Call, long RequestStartedAt, long PrefillAnsweredAt);
