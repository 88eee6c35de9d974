using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;

namespace FastRouter.FlowControl;

/// <summary>
/// Whether one pod should get no more requests for now (--saturation-*): its engine already queues
/// --saturation-waiting requests, or its KV cache is nearly full, by its last fresh scrape; or this router alone has
/// --saturation-in-flight requests in flight to it (a prefill pod: also --saturation-prefill-in-flight prefills).
/// The engine's figures are what every router replica sees; the router's own requests sent since that scrape are
/// added to the engine's queue only when the engine was queueing already, because an engine with free batch slots
/// runs new requests at once rather than queueing them.
/// </summary>
internal static class PodSaturation
{
    public static bool IsSaturated(Backend pod, RouterOptions options, long now, long freshTicks)
    {
        int inFlight = pod.InFlight;
        if ((options.SaturationInFlight > 0 && inFlight >= options.SaturationInFlight)
            || (options.SaturationPrefillInFlight > 0 && pod.Role == BackendRole.Prefill && inFlight >= options.SaturationPrefillInFlight))
        {
            return true;
        }

        EngineSnapshot? engine = pod.Engine;
        if (engine is null || !engine.IsFreshAt(now, freshTicks))
        {
            return false;
        }

        double waiting = engine.Waiting;
        if (waiting > 0)
        {
            waiting += inFlight - engine.RouterInFlightAtScrape;
        }

        // NaN (a build that does not report KV usage) compares false: never saturated by it.
        return waiting >= options.SaturationWaiting || engine.KvCacheUsage >= options.SaturationKvCacheUsage;
    }

    /// <summary>True when at least one of <paramref name="pods"/> is not saturated (or there are none to wait for).</summary>
    public static bool AnyHasRoom(Backend[] pods, RouterOptions options, long now, long freshTicks)
    {
        if (pods.Length == 0)
        {
            // Nothing to wait for: the request goes on and gets the route's own answer (503, no pod).
            return true;
        }

        for (int i = 0; i < pods.Length; i++)
        {
            if (!IsSaturated(pods[i], options, now, freshTicks))
            {
                return true;
            }
        }

        return false;
    }
}
