using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Protocol;

/// <summary>Writes the router's own errors in the OpenAI shape vLLM uses (protocol.md §4).</summary>
internal static class OpenAiErrors
{
    private static readonly byte[] SseDataPrefix = "data: "u8.ToArray();
    private static readonly byte[] SseEventEnd = "\n\n"u8.ToArray();

    /// <summary>The error type for a status, named as vLLM and the OpenAI SDKs name them.</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => "BadRequestError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        405 => "MethodNotAllowedError",
        408 => "RequestTimeoutError",
        413 => "RequestTooLargeError",
        415 => "UnsupportedMediaTypeError",
        422 => "UnprocessableEntityError",
        429 => "RateLimitError",
        502 => "BadGatewayError",
        503 => "ServiceUnavailableError",
        504 => "GatewayTimeoutError",
        < 500 => "BadRequestError",
        _ => "InternalServerError",
    };

    public static byte[] Serialize(int status, string message, string? param = null) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new OpenAiErrorEnvelope(new OpenAiErrorBody(message, TypeFor(status), param, status)),
            RouterJsonContext.Default.OpenAiErrorEnvelope);

    /// <summary>Answers with <paramref name="status"/> and an OpenAI-shaped body, unless the response already started.</summary>
    public static Task WriteAsync(HttpResponse response, int status, string message, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        byte[] body = Serialize(status, message, param);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length);
    }

    /// <summary>An error after streaming began: <c>data: {"error":{…}}</c> then a blank line, as vLLM sends it.</summary>
    public static void WriteSseEvent(IBufferWriter<byte> output, int status, string message)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(SseDataPrefix);
        output.Write(Serialize(status, message));
        output.Write(SseEventEnd);
    }
}
