using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FastRouter.Tests.Simulation;

/// <summary>Request helpers shared by the simulator tests: a plain HttpClient acting as client or router.</summary>
internal static class SimulatorHttp
{
    public static HttpRequestMessage Post(string path, string json, string? requestId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (requestId is not null)
        {
            request.Headers.Add("X-Request-Id", requestId);
        }

        return request;
    }

    public static async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpClient client, string path, string json, string? requestId = null)
    {
        using HttpRequestMessage request = Post(path, json, requestId);
        HttpResponseMessage response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return (response, body);
    }

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string? MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType?.ToString();

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);
}
