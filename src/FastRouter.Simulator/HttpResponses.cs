using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>Small answers: JSON built in a pooled buffer and sent with a Content-Length, as uvicorn sends them.</summary>
internal static class HttpResponses
{
    public static async Task WriteJsonAsync<TState>(
        HttpContext context,
        int statusCode,
        TState state,
        Action<Utf8JsonWriter, TState> write,
        CancellationToken cancellationToken,
        Func<Task>? beforeBody = null)
    {
        using var buffer = new ArrayPoolBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, SimulatorJson.WriterOptions))
        {
            write(writer, state);
        }

        HttpResponse response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        if (beforeBody is not null)
        {
            // Headers first, body later: a fault that leaves an answer half on the wire.
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            await beforeBody().ConfigureAwait(false);
        }

        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string type, string message, CancellationToken cancellationToken) =>
        WriteJsonAsync(
            context,
            statusCode,
            (statusCode, type, message),
            static (writer, error) => OpenAiErrorWriter.Write(writer, error.statusCode, error.type, error.message),
            cancellationToken);

    public static async Task WriteTextAsync(HttpContext context, int statusCode, string contentType, string text, CancellationToken cancellationToken)
    {
        byte[] body = System.Text.Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
    }
}
