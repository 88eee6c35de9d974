using Microsoft.AspNetCore.Http;

namespace FastRouter.Telemetry;

/// <summary>The answer of an operator's JSON status endpoint (<c>/engines</c>, <c>/queue</c>): GET or HEAD, else 405.</summary>
internal static class JsonStatusResponse
{
    public static Task WriteAsync(HttpContext context, Func<byte[]> render)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(render);
        HttpResponse response = context.Response;
        bool head = HttpMethods.IsHead(context.Request.Method);
        if (!head && !HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = 405;
            response.Headers.Allow = "GET";
            return Task.CompletedTask;
        }

        byte[] body = render();
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return head ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
