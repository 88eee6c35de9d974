using FastRouter.Configuration;

namespace FastRouter.Tests.Harness;

/// <summary>The router options every in-process test host starts from.</summary>
internal static class TestRouterOptions
{
    /// <summary>
    /// Loopback on a free port, the given pods with their models and prefill/decode labels, no active health probes nor engine scrapes
    /// (they would show up in the pods' request records; tests of active health turn them on), and Kestrel's inline
    /// scheduling, as the router process runs it.
    /// </summary>
    public static RouterOptions For(IReadOnlyList<StaticBackendOptions> backends) => new()
    {
        Host = "127.0.0.1",
        Port = 0,
        StaticBackends = backends,
        HasStaticModels = true,
        PrefillModelLabels = ["prefill"],
        DecodeModelLabels = ["decode"],
        ActiveHealthChecks = false,
        EngineStatsScraping = false,
        InlineIoScheduling = true,
    };
}
