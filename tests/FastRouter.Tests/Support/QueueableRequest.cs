using System.Text;

namespace FastRouter.Tests.Support;

/// <summary>
/// A completion request with the headers the router's queue reads (priority band, client identity, queue timeout)
/// and a request id, each left out when null: one builder for the flow-control tests, in process and native.
/// </summary>
internal static class QueueableRequest
{
    public static HttpRequestMessage Completion(
        string prompt,
        bool stream = false,
        int maxTokens = 2,
        string? priority = null,
        string? client = null,
        string? queueTimeout = null,
        string? requestId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(RequestBodies.Completion(maxTokens, stream, prompt), Encoding.UTF8, "application/json"),
        };
        Add(request, "x-request-priority", priority);
        Add(request, "Authorization", client);
        Add(request, "x-request-queue-timeout", queueTimeout);
        Add(request, "X-Request-Id", requestId);
        return request;
    }

    private static void Add(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
