using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Protocol;
using FastRouter.Proxying;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Hosting;

/// <summary>
/// The router's only request delegate: dispatches on the path with plain comparisons (no routing
/// middleware), so the hot path is two string compares away from the proxy.
/// </summary>
internal sealed class RouterEndpoints
{
    private readonly OrchestratedProxy _proxy;
    private readonly ModelsEndpoint _models;
    private readonly HealthEndpoint _health;
    private readonly Telemetry.MetricsEndpoint _metrics;
    private readonly Telemetry.EnginesEndpoint _engines;
    private readonly FlowControl.QueueEndpoint _queue;
    private static readonly byte[] LiveBody = "{\"status\":\"alive\"}"u8.ToArray();

    private readonly byte[] _version;

    private static readonly byte[] OverloadedBody = OpenAiErrors.Serialize(429, "The router is at its limit of concurrent requests; retry shortly.");
    private static readonly byte[] UnauthorizedBody = OpenAiErrors.Serialize(401, "A valid API key is required: send 'Authorization: Bearer <key>'.");

    private static readonly byte[] ClientConcurrencyBody = OpenAiErrors.Serialize(429, "This client has as many requests in flight as it may (--client-max-concurrent); retry when one ends.");
    private static readonly byte[] ClientRateBody = OpenAiErrors.Serialize(429, "This client has started as many requests this second as it may (--client-max-rps); retry shortly.");

    private readonly ConcurrencyGate _gate;
    private readonly FlowControl.ClientLimits _limits;
    private readonly ApiKeyAuthenticator _authenticator;

    public RouterEndpoints(
        OrchestratedProxy proxy,
        ModelsEndpoint models,
        HealthEndpoint health,
        ConcurrencyGate gate,
        ApiKeyAuthenticator authenticator,
        Telemetry.MetricsEndpoint metrics,
        Telemetry.EnginesEndpoint engines,
        FlowControl.QueueEndpoint queue,
        FlowControl.ClientLimits limits)
    {
        _limits = limits;
        _queue = queue;
        _metrics = metrics;
        _engines = engines;
        _proxy = proxy;
        _models = models;
        _health = health;
        _gate = gate;
        _authenticator = authenticator;
        _version = JsonSerializer.SerializeToUtf8Bytes(new VersionInfo(RouterCommandLine.GetVersion()), RouterJsonContext.Default.VersionInfo);
    }

    public Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        string method = context.Request.Method;

        // /health, /readyz, /livez, /version, /metrics, /engines and /queue stay open for probes and scrapers; the OpenAI API needs a key.
        if (_authenticator.IsEnabled && path.StartsWith("/v1/", StringComparison.Ordinal) && !_authenticator.IsAuthorized(context.Request))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return WriteJsonAsync(context, 401, UnauthorizedBody);
        }

        switch (path)
        {
            case "/v1/chat/completions":
                return HttpMethods.IsPost(method) ? ProxyAsync(context, CompletionEndpoint.ChatCompletions) : MethodNotAllowed(context, "POST");
            case "/v1/completions":
                return HttpMethods.IsPost(method) ? ProxyAsync(context, CompletionEndpoint.Completions) : MethodNotAllowed(context, "POST");
            case "/health":
                return IsGetOrHead(method) ? _health.WriteHealthAsync(context) : MethodNotAllowed(context, "GET");
            case "/readyz":
                return IsGetOrHead(method) ? _health.WriteReadinessAsync(context) : MethodNotAllowed(context, "GET");
            case "/v1/models":
                return IsGetOrHead(method) ? _models.HandleAsync(context) : MethodNotAllowed(context, "GET");
            case "/livez":
                // The process serves requests, even before discovery's first list and while draining.
                return IsGetOrHead(method) ? WriteJsonAsync(context, 200, LiveBody) : MethodNotAllowed(context, "GET");
            case "/metrics":
                return _metrics.HandleAsync(context);
            case "/engines":
                return _engines.HandleAsync(context);
            case "/queue":
                return _queue.HandleAsync(context);
            case "/version":
                return IsGetOrHead(method) ? WriteJsonAsync(context, 200, _version) : MethodNotAllowed(context, "GET");
            default:
                return OpenAiErrors.WriteAsync(context.Response, 404, "Unknown path: " + path + ".");
        }
    }

    /// <summary>Load shedding in front of the proxy: beyond the limit, 429 at once rather than an unbounded queue.</summary>
    private Task ProxyAsync(HttpContext context, CompletionEndpoint endpoint)
    {
        if (_limits.IsEnabled)
        {
            return ProxyWithinClientLimitsAsync(context, endpoint);
        }

        if (!_gate.TryEnter())
        {
            context.Response.Headers.RetryAfter = "1";
            return WriteJsonAsync(context, 429, OverloadedBody);
        }

        // The proxy leaves the gate as its last step, so no wrapper awaits it (one async frame less per request).
        return _proxy.HandleAsync(context, endpoint, _gate);
    }

    /// <summary>Per-client limits (off by default), checked before the body is read; then the same as without them.</summary>
    private async Task ProxyWithinClientLimitsAsync(HttpContext context, CompletionEndpoint endpoint)
    {
        FlowControl.ClientLimitVerdict verdict = _limits.TryEnter(context.Request, out FlowControl.ClientUsage? usage, out int retryAfter);
        if (verdict != FlowControl.ClientLimitVerdict.Admitted)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteJsonAsync(context, 429, verdict == FlowControl.ClientLimitVerdict.TooManyConcurrent ? ClientConcurrencyBody : ClientRateBody).ConfigureAwait(false);
            return;
        }

        try
        {
            if (!_gate.TryEnter())
            {
                context.Response.Headers.RetryAfter = "1";
                await WriteJsonAsync(context, 429, OverloadedBody).ConfigureAwait(false);
                return;
            }

            await _proxy.HandleAsync(context, endpoint, _gate).ConfigureAwait(false);
        }
        finally
        {
            _limits.Exit(usage!);
        }
    }

    private static Task MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return OpenAiErrors.WriteAsync(context.Response, 405, "Method " + context.Request.Method + " is not allowed here; use " + allowed + ".");
    }

    private static bool IsGetOrHead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);

    internal static Task WriteJsonAsync(HttpContext context, int status, byte[] body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
