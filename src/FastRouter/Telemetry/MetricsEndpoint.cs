using System.Text;
using FastRouter.Discovery;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Telemetry;

/// <summary><c>GET /metrics</c>: every family the collector holds, in Prometheus text format.</summary>
internal sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricsCollector _collector;
    private readonly RouterMetrics _metrics;

    public MetricsEndpoint(RouterMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;

        // The collector subscribes to our meter and the runtime's; created after RouterMetrics so ours come first.
        _collector = new MetricsCollector(metrics.Meter, includeRuntime: true);
    }

    /// <summary>The whole exposition as text.</summary>
    public string Render()
    {
        RoutingTable table = _metrics.Discovery.Current;
        _metrics.Pods.Observe(table);
        var text = new StringBuilder(16 * 1024);
        _collector.Collect(text, static (builder, family) => PrometheusTextWriter.Write(builder, family));
        return text.ToString();
    }

    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponse response = context.Response;
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = 405;
            response.Headers.Allow = "GET";
            return Task.CompletedTask;
        }

        byte[] body = Encoding.UTF8.GetBytes(Render());
        response.StatusCode = 200;
        response.ContentType = PrometheusTextWriter.ContentType;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    public void Dispose() => _collector.Dispose();
}
