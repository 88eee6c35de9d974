using System.Text.Json;
using FastRouter.Discovery;
using FastRouter.Protocol;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Hosting;

/// <summary>
/// The router's two health answers. <c>/health</c> says whether the router itself works: 200 once discovery has
/// listed the pods, whatever roles they cover, so production-stack's chart, which points liveness, startup and
/// readiness all at /health, does not restart a working router while decode pods roll or the fleet is scaled to
/// zero. <c>/readyz</c> says whether it can serve a completion now: 200 only with a prefill and a decode pod.
/// Both are 503 before the first list and while draining. Neither takes the admission gate or an API key.
/// </summary>
internal sealed class HealthEndpoint
{
    private static readonly byte[] DrainingBody = Serialize(new HealthReport("draining", 0, 0, [], "The router is shutting down."));
    private static readonly byte[] PendingBody = Serialize(new HealthReport("unhealthy", 0, 0, ["prefill", "decode"], "Pod discovery has not listed the pods yet."));

    private readonly IBackendDiscovery _discovery;
    private readonly RouterLifecycle _lifecycle;

    // The answers for the newest routing table: probes arrive every few seconds while tables change far less
    // often, so each table's bodies are serialized once. Replaced whole, so a reader never sees a torn pair.
    private volatile Answers? _answers;

    public HealthEndpoint(IBackendDiscovery discovery, RouterLifecycle lifecycle)
    {
        _discovery = discovery;
        _lifecycle = lifecycle;
    }

    /// <summary>GET /health: 200 while the router runs and knows the pods, role counts and missing roles in the body.</summary>
    public Task WriteHealthAsync(HttpContext context)
    {
        if (TryWriteNotRunning(context, out Task written))
        {
            return written;
        }

        // Missing roles do not fail the process's own health: restarting the router would not bring pods back.
        return RouterEndpoints.WriteJsonAsync(context, 200, AnswersFor(_discovery.Current).Health);
    }

    /// <summary>GET /readyz: 200 when at least one prefill and one decode pod are known; else 503 naming the missing roles.</summary>
    public Task WriteReadinessAsync(HttpContext context)
    {
        if (TryWriteNotRunning(context, out Task written))
        {
            return written;
        }

        Answers answers = AnswersFor(_discovery.Current);
        return RouterEndpoints.WriteJsonAsync(context, answers.Complete ? 200 : 503, answers.Readiness);
    }

    private bool TryWriteNotRunning(HttpContext context, out Task written)
    {
        if (_lifecycle.IsDraining)
        {
            written = RouterEndpoints.WriteJsonAsync(context, 503, DrainingBody);
            return true;
        }

        if (!_discovery.IsSynchronized)
        {
            // Kubernetes discovery has not listed the pods yet (the API server may be unreachable): an empty table
            // means "not known", not "no pods".
            written = RouterEndpoints.WriteJsonAsync(context, 503, PendingBody);
            return true;
        }

        written = Task.CompletedTask;
        return false;
    }

    private Answers AnswersFor(RoutingTable table)
    {
        Answers? answers = _answers;
        if (answers is null || !ReferenceEquals(answers.Table, table))
        {
            answers = Build(table);
            _answers = answers;
        }

        return answers;
    }

    private static Answers Build(RoutingTable table)
    {
        int prefill = table.PrefillCount;
        int decode = table.DecodeCount;
        string[] missing = prefill == 0 && decode == 0 ? ["prefill", "decode"] : prefill == 0 ? ["prefill"] : decode == 0 ? ["decode"] : [];
        if (missing.Length == 0)
        {
            byte[] healthy = Serialize(new HealthReport("healthy", prefill, decode, missing, null));
            return new Answers(table, true, healthy, healthy);
        }

        string message = "No " + string.Join(" and no ", missing) + " pod is available.";
        return new Answers(
            table,
            false,
            Serialize(new HealthReport("degraded", prefill, decode, missing, message + " The router runs; completions get 503 until one is.")),
            Serialize(new HealthReport("unhealthy", prefill, decode, missing, message)));
    }

    private static byte[] Serialize(HealthReport report) => JsonSerializer.SerializeToUtf8Bytes(report, RouterJsonContext.Default.HealthReport);

    private sealed record Answers(RoutingTable Table, bool Complete, byte[] Health, byte[] Readiness);
}
