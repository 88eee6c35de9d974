using System.Text.Json;
using FastRouter.Discovery;
using FastRouter.Protocol;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Hosting;

/// <summary>
/// <c>GET /v1/models</c>: the models the pods serve. With --static-models they are known; otherwise the
/// decode pods are asked (each pod serves what its vLLM was started with) and the answers merged.
/// </summary>
internal sealed class ModelsEndpoint
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private readonly IBackendDiscovery _discovery;
    private readonly TimeProvider _time;

    public ModelsEndpoint(IBackendDiscovery discovery, TimeProvider? time = null)
    {
        _discovery = discovery;
        _time = time ?? TimeProvider.System;
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RoutingTable table = _discovery.Current;
        long created = _time.GetUtcNow().ToUnixTimeSeconds();
        var cards = new List<ModelCard>();
        if (table.Models.Length > 0)
        {
            foreach (string model in table.Models)
            {
                cards.Add(new ModelCard(model, "model", created, "vllm", model));
            }
        }
        else
        {
            await AskPodsAsync(table.AnyModel.Decode, cards, created, context.RequestAborted).ConfigureAwait(false);
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new ModelList("list", cards), RouterJsonContext.Default.ModelList);
        await RouterEndpoints.WriteJsonAsync(context, 200, body).ConfigureAwait(false);
    }

    private static async Task AskPodsAsync(Backend[] pods, List<ModelCard> cards, long created, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var asks = new Task<string[]>[pods.Length];
        for (int i = 0; i < pods.Length; i++)
        {
            asks[i] = AskPodAsync(pods[i], cancellationToken);
        }

        foreach (Task<string[]> ask in asks)
        {
            foreach (string id in await ask.ConfigureAwait(false))
            {
                if (seen.Add(id))
                {
                    cards.Add(new ModelCard(id, "model", created, "vllm", id));
                }
            }
        }
    }

    /// <summary>The model ids one pod lists; none when it does not answer in time (it may be booting).</summary>
    private static async Task<string[]> AskPodAsync(Backend pod, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AskTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, pod.ModelsUri);
            using HttpResponseMessage response = await pod.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return [];
            }

            await using Stream body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using JsonDocument document = await JsonDocument.ParseAsync(body, default, timeout.Token).ConfigureAwait(false);
            if (!document.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var ids = new List<string>();
            foreach (JsonElement card in data.EnumerateArray())
            {
                if (card.ValueKind == JsonValueKind.Object && card.TryGetProperty("id", out JsonElement id) && id.GetString() is { } value)
                {
                    ids.Add(value);
                }
            }

            return [.. ids];
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or JsonException or IOException)
        {
            return [];
        }
    }
}
