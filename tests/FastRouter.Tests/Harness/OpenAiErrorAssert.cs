using System.Text.Json;

namespace FastRouter.Tests.Harness;

/// <summary>Checks that an answer is an OpenAI-shaped error: {"error":{"message","type","param","code"}}.</summary>
internal static class OpenAiErrorAssert
{
    public static async Task<JsonElement> IsErrorAsync(HttpResponseMessage response, int status, string? type = null) =>
        IsError(response, await response.Content.ReadAsStringAsync(), status, type);

    /// <summary>As <see cref="IsErrorAsync"/>, for an answer whose body was already read as <paramref name="body"/>.</summary>
    public static JsonElement IsError(HttpResponseMessage response, string body, int status, string? type = null)
    {
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(body);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "error.param is missing");
        Assert.True(error.TryGetProperty("code", out _), "error.code is missing");
        if (type is not null)
        {
            Assert.Equal(type, error.GetProperty("type").GetString());
        }

        return error.Clone();
    }
}
