using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;
using FastRouter.Telemetry;

namespace FastRouter.Tests.Telemetry;

/// <summary>Calls the RouterMetrics API in the order its docs prescribe for one orchestrated request.</summary>
internal static class MetricsFlow
{
    public static void Request(RouterMetrics metrics, Backend prefill, Backend decode, bool stream, int events = 3, int status = 200)
    {
        RequestClock clock = RequestClock.Start();
        metrics.RequestStarted();
        metrics.RequestRouted(TelemetryTestHost.Model);

        long wait = RequestClock.BeginWait();
        BackendCall prefillCall = metrics.BackendCallStarted(prefill, TelemetryTestHost.Model);
        metrics.BackendFirstByte(ref prefillCall);
        metrics.BackendCallCompleted(ref prefillCall, BackendOutcome.Success);
        long prefillAnsweredAt = metrics.Time.GetTimestamp();
        clock.EndWait(wait);

        wait = RequestClock.BeginWait();
        BackendCall decodeCall = metrics.BackendCallStarted(decode, TelemetryTestHost.Model);
        metrics.BackendFirstByte(ref decodeCall);
        long lastFlush = metrics.FirstByteToClient(decode, clock.StartedAt, prefillAnsweredAt);
        if (stream)
        {
            for (int i = 1; i < events; i++)
            {
                lastFlush = metrics.StreamEventsFlushed(decodeCall, lastFlush);
            }
        }

        metrics.Tokens(decodeCall, 7, 4);
        metrics.BackendCallCompleted(ref decodeCall, status >= 500 ? BackendOutcome.ServerError : BackendOutcome.Success);
        clock.EndWait(wait);
        TimeSpan elapsed = clock.Elapsed;
        metrics.RequestCompleted(CompletionEndpoint.Completions, stream, status, clientDisconnected: false, elapsed, clock.RouterTime(elapsed));
    }

    /// <summary>One of each rarer event, so every family has a series.</summary>
    public static void RareEvents(RouterMetrics metrics, Backend prefill)
    {
        metrics.Retry(BackendRole.Prefill, RetryReason.ConnectionError);
        metrics.MissingKvParams(MissingKvParamsPolicy.Fallback);
        metrics.ClientDisconnected(DisconnectPhase.Decode);
        metrics.DecodeDrained(KvReleaseCause.ClientLeft);
        metrics.Ejected(prefill);
        metrics.Readmitted(prefill);
    }
}
