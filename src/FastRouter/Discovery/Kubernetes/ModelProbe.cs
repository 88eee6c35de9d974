using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Asks a pod's <c>GET /v1/models</c> until it answers with at least one model, backing off between attempts.
/// Runs in the background per pod (never on the watch loop) and is cancelled when the pod leaves.
/// </summary>
internal static partial class ModelProbe
{
    /// <param name="authorization">
    /// The <c>Authorization</c> value the legs send (from VLLM_API_KEY), or null: vLLM started with --api-key
    /// refuses /v1/models without it as it refuses completions.
    /// </param>
    public static async Task<string[]> ProbeAsync(Backend pod, string podName, string? authorization, KubernetesDiscoverySettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(settings);
        var backoff = new Backoff(settings.ModelProbeInitialBackoff, settings.ModelProbeMaxBackoff, settings.Random);
        while (true)
        {
            string failure;
            try
            {
                string[] models = await AskAsync(pod, authorization, settings, cancellationToken).ConfigureAwait(false);
                if (models.Length > 0)
                {
                    return models;
                }

                failure = "no models listed";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "timed out";
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or IOException or InvalidOperationException)
            {
                failure = exception.Message;
            }

            TimeSpan delay = backoff.Next();
            Log.NotAnswered(logger, podName, pod.Name, failure, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, settings.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string[]> AskAsync(Backend pod, string? authorization, KubernetesDiscoverySettings settings, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(settings.ModelProbeTimeout, settings.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, pod.ModelsUri);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using HttpResponseMessage response = await pod.Invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("HTTP " + (int)response.StatusCode);
        }

        await using Stream body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
        using JsonDocument document = await JsonDocument.ParseAsync(body, default, linked.Token).ConfigureAwait(false);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("data", out JsonElement data)
            || data.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var ids = new List<string>();
        foreach (JsonElement card in data.EnumerateArray())
        {
            if (card.ValueKind == JsonValueKind.Object && PodParser.GetString(card, "id") is { Length: > 0 } id && !ids.Contains(id))
            {
                ids.Add(id);
            }
        }

        return [.. ids];
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 230, Level = LogLevel.Debug, Message = "Pod {Pod} ({Endpoint}): /v1/models not answered yet ({Failure}); asking again in {DelayMs} ms")]
        public static partial void NotAnswered(ILogger logger, string pod, string endpoint, string failure, long delayMs);
    }
}
