namespace FastRouter.Configuration;

/// <summary>
/// Flags of production-stack's router that FastRouter refuses by name, so a copied deployment fails with a clear
/// message instead of argparse's generic "unrecognized arguments" (or, worse, silently losing a feature).
/// </summary>
/// <remarks>
/// Source: vllm-project/production-stack, <c>src/vllm_router/parsers/parser.py</c> and
/// <c>src/vllm_router/experimental/semantic_cache_integration.py</c> on <c>main</c> at commit
/// a6c01db05f65f556235413ba8dbcfb0c01132fff (August 2026). The last block holds flags seen only on side
/// commits that never reached <c>main</c> (TTFT router 2361a177, retries 5fe54db8), listed because people run
/// those builds too. Flags production-stack has that FastRouter implements are in <see cref="RouterFlags"/>;
/// the few accepted and ignored are in the <see cref="FlagGroup.AcceptedAndIgnored"/> group there.
/// When production-stack adds a flag, add it here.
/// </remarks>
internal static class UnsupportedProductionStackFlags
{
    public static IReadOnlyList<string> All { get; } =
    [
        // Serving and discovery.
        "--root-path",
        "--static-aliases",
        "--static-model-types",
        "--static-backend-health-checks",
        "--static-backend-health-check-interval",
        "--static-backend-health-check-timeout-seconds",
        "--k8s-watcher-timeout-seconds",
        "--backend-health-check-timeout-seconds",
        "--external-providers-config",

        // Other routing logics' knobs.
        "--kv-aware-threshold",
        "--prefix-min-match-length",
        "--max-instance-failover-reroute-attempts",
        "--lmcache-controller-port",
        "--lmcache-controller-reply-port",
        "--lmcache-controller-heartbeat-port",
        "--lmcache-health-check-interval",
        "--lmcache-worker-timeout",

        // Plug-ins and batch API.
        "--callbacks",
        "--enable-batch-api",
        "--file-storage-class",
        "--file-storage-path",
        "--batch-processor",

        // Dynamic configuration and feature gates.
        "--dynamic-config-yaml",
        "--dynamic-config-json",
        "--feature-gates",

        // Error reporting (--log-format and --otel-* are implemented: see RouterFlags).
        "--sentry-dsn",
        "--sentry-traces-sample-rate",
        "--sentry-profile-session-sample-rate",

        // Experimental semantic cache (semantic_cache_integration.py).
        "--semantic-cache-model",
        "--semantic-cache-dir",
        "--semantic-cache-threshold",

        // Only on side commits, never on main (see remarks).
        "--tokenizer",
        "--lmcache-instances",
        "--retry-max-retries",
        "--retry-initial-backoff-ms",
        "--retry-max-backoff-ms",
        "--retry-backoff-multiplier",
        "--retry-jitter-factor",
        "--disable-retries",
    ];

    public static bool Contains(string name)
    {
        foreach (string flag in All)
        {
            if (string.Equals(flag, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
