using System.Net;
using System.Text;
using System.Text.Json;
using FastRouter.Protocol;

namespace FastRouter.Proxying;

/// <summary>
/// Makes a backend's error body OpenAI-shaped: a body already shaped <c>{"error":{…}}</c> passes through
/// unchanged; anything else (<c>{"error":"Unauthorized"}</c>, FastAPI's <c>{"detail":…}</c>, plain text) is wrapped.
/// </summary>
internal static class BackendErrorNormalizer
{
    private const int MaxMessageChars = 1000;

    /// <summary>Returns the body to send the client for a backend answer with <paramref name="status"/>.</summary>
    public static ReadOnlyMemory<byte> Normalize(int status, ReadOnlyMemory<byte> body)
    {
        string? message = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("error", out JsonElement error))
                {
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        return body;
                    }

                    message = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText();
                }
                else if (root.TryGetProperty("detail", out JsonElement detail))
                {
                    message = detail.ValueKind == JsonValueKind.String ? detail.GetString() : detail.GetRawText();
                }
                else if (root.TryGetProperty("message", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                {
                    message = text.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text itself is the message.
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            message = body.IsEmpty ? null : Encoding.UTF8.GetString(body.Span).Trim();
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            message = "The backend answered " + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + ReasonPhrase(status) + ".";
        }
        else if (message.Length > MaxMessageChars)
        {
            message = message[..MaxMessageChars];
        }

        return OpenAiErrors.Serialize(status, message);
    }

    private static string ReasonPhrase(int status) =>
        Enum.IsDefined((HttpStatusCode)status) ? ((HttpStatusCode)status).ToString() : "Error";
}
