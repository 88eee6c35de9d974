using FastRouter.Configuration;
using System.Diagnostics;
using FastRouter.Discovery;
using FastRouter.Proxying;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Telemetry;

/// <summary>
/// W3C trace context through the router. Always: the client's <c>traceparent</c> is continued onto both legs (a new
/// trace is started when it has none or an invalid one). With <c>--otel-endpoint</c>: spans for the request and each
/// leg, exported over OTLP by <see cref="OtlpTraceExporter"/>. Without it nothing listens to <see cref="Source"/>, so
/// <see cref="StartRequest"/> and <see cref="StartLeg"/> return null after one volatile read.
/// </summary>
internal sealed class RouterTracing
{
    public const string SourceName = "FastRouter";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
    private const int TraceIdBytes = 16;
    private const int SpanIdBytes = 8;

    // 00-{32 hex digits}-{16 hex digits}-01: where each part starts.
    private const int TraceIdAt = 3;
    private const int SpanIdAt = TraceIdAt + (2 * TraceIdBytes) + 1;
    private const int FlagsAt = SpanIdAt + (2 * SpanIdBytes);
    private const int TraceParentLength = FlagsAt + 3;

    /// <summary>One source per process: ActivitySource listeners are process-wide anyway.</summary>
    public static readonly ActivitySource Source = new(SourceName, RouterCommandLine.GetVersion());

    /// <summary>
    /// Step 0, after the request id is known: the server span for the whole request, child of the client's
    /// <c>traceparent</c> (a new trace when absent). Null when tracing is off. Dispose it (or call
    /// <see cref="CompleteRequest"/>) in <c>HandleAsync</c>'s <c>finally</c>.
    /// </summary>
    public static Activity? StartRequest(HttpContext context, CompletionEndpoint endpoint, string requestId)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Source.HasListeners())
        {
            return null;
        }

        string? traceParent = context.Request.Headers[TraceParentHeader];
        string? traceState = context.Request.Headers[TraceStateHeader];
        ActivityContext parent = default;
        if (traceParent is null || !ActivityContext.TryParse(traceParent, traceState, isRemote: true, out parent))
        {
            // No usable parent: a root span. Clear any ambient activity (the host's) so it does not become the parent.
            Activity.Current = null;
        }

        string route = MetricLabels.RouteOf(endpoint);
        Activity? activity = Source.StartActivity("POST " + route, ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", "POST");
            activity.SetTag("http.route", route);
            activity.SetTag("fastrouter.request_id", requestId);
        }

        return activity;
    }

    /// <summary>
    /// Steps 4 and 6, before each leg's <c>SendAsync</c>: a client span, child of the request's. Null when tracing is
    /// off. Put <see cref="TraceParentFor"/> of it on the leg's request, and <see cref="CompleteLeg"/> it in the leg's
    /// <c>finally</c>.
    /// </summary>
    public static Activity? StartLeg(Activity? request, Backend pod, string? model)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (request is null || !Source.HasListeners())
        {
            return null;
        }

        string role = MetricLabels.RoleOf(pod.Role);
        Activity? leg = Source.StartActivity(role, ActivityKind.Client, request.Context);
        if (leg is { IsAllDataRequested: true })
        {
            leg.SetTag("fastrouter.role", role);
            leg.SetTag("fastrouter.pod", pod.Name);
            leg.SetTag("server.address", pod.Host);
            leg.SetTag("server.port", pod.BaseUri.Port);
            if (model is not null)
            {
                leg.SetTag("gen_ai.request.model", model);
            }
        }

        return leg;
    }

    /// <summary>
    /// The <c>traceparent</c> header value for a leg (steps 4 and 6), always set on both legs: the leg span's id
    /// when tracing; else the ambient request activity's id (ASP.NET Core's, which continues the client's trace and
    /// exists only with JSON logs, see <c>RouterHost</c>); else the client's own header when valid, as sent (the
    /// router records no span, so none stands between); else a new trace. Allocates only in the last case.
    /// </summary>
    public static string TraceParentFor(Activity? leg, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (leg is not null)
        {
            return leg.Id!;
        }

        Activity? current = Activity.Current;
        if (current is { IdFormat: ActivityIdFormat.W3C } && current.Id is { } id)
        {
            return id;
        }

        string? incoming = context.Request.Headers[TraceParentHeader];
        return incoming is not null && ActivityContext.TryParse(incoming, null, out _) ? incoming : NewTraceParent();
    }

    /// <summary>The trace id of the ambient activity, for logs; null when there is none.</summary>
    public static string? CurrentTraceId() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.TraceId.ToHexString() : null;

    /// <summary>In each leg's <c>finally</c>: sets outcome and status on the leg span and ends it. Null is a no-op.</summary>
    public static void CompleteLeg(Activity? leg, BackendOutcome outcome, int statusCode)
    {
        if (leg is null)
        {
            return;
        }

        leg.SetTag("fastrouter.outcome", MetricLabels.Of(outcome));
        if (statusCode > 0)
        {
            leg.SetTag("http.response.status_code", statusCode);
        }

        if (outcome is not (BackendOutcome.Success or BackendOutcome.ClientError))
        {
            leg.SetStatus(ActivityStatusCode.Error, MetricLabels.Of(outcome));
        }

        leg.Dispose();
    }

    /// <summary>
    /// In <c>HandleAsync</c>'s <c>finally</c>, before <see cref="CompleteRequest"/>, for a request that reached step 5:
    /// how it was served (<c>fastrouter.disaggregation</c>: disaggregated or decode_only) and why
    /// (<c>fastrouter.disaggregation.reason</c>), the labels of <c>fastrouter_disaggregation_decisions_total</c>.
    /// </summary>
    public static void SetDecision(Activity? request, Disaggregation.DisaggregationDecision decision)
    {
        if (request is not { IsAllDataRequested: true })
        {
            return;
        }

        request.SetTag("fastrouter.disaggregation", MetricLabels.DecisionOf(decision));
        request.SetTag("fastrouter.disaggregation.reason", MetricLabels.ReasonOf(decision));
    }

    /// <summary>In <c>HandleAsync</c>'s <c>finally</c>: the status sent, the outcome, the pods; ends the request span.</summary>
    public static void CompleteRequest(Activity? request, int statusCode, bool clientDisconnected, string? model)
    {
        if (request is null)
        {
            return;
        }

        request.SetTag("http.response.status_code", statusCode);
        request.SetTag("fastrouter.outcome", MetricLabels.RequestOutcomeOf(statusCode, clientDisconnected));
        if (model is not null)
        {
            request.SetTag("gen_ai.request.model", model);
        }

        if (statusCode >= 500)
        {
            request.SetStatus(ActivityStatusCode.Error);
        }

        request.Dispose();
    }

    /// <summary>A fresh sampled trace context: <c>00-{trace}-{span}-01</c>, built as one string.</summary>
    public static string NewTraceParent()
    {
        // Ids must be unique, not secret: the shared thread-local generator (as ActivityTraceId.CreateRandom's).
        Span<byte> ids = stackalloc byte[TraceIdBytes + SpanIdBytes];
        Random.Shared.NextBytes(ids);

        // All-zero ids are invalid in W3C trace context: one bit set in each rules them out, for one bit of randomness.
        ids[TraceIdBytes - 1] |= 1;
        ids[^1] |= 1;
        Span<char> text = stackalloc char[TraceParentLength];
        "00-".CopyTo(text);
        Convert.TryToHexStringLower(ids[..TraceIdBytes], text[TraceIdAt..], out _);
        text[SpanIdAt - 1] = '-';
        Convert.TryToHexStringLower(ids[TraceIdBytes..], text[SpanIdAt..], out _);
        "-01".CopyTo(text[FlagsAt..]);
        return new string(text);
    }
}
