using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;

namespace FastRouter.Simulation;

/// <summary>
/// Decode's half of the side channel: pulls blocks from the prefill pod named in <c>kv_transfer_params</c>, or
/// gives them back when the decode request is aborted first. Uses exactly the host and port in the params, so a
/// router that forwards an unreachable <c>remote_host</c> gets a failed pull, as with a real engine.
/// </summary>
internal sealed class KvSideChannelClient : IDisposable
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _client;

    public KvSideChannelClient(TimeSpan connectTimeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,

            // Below Kestrel's keep-alive timeout, so a pooled connection is never reused just as the server drops it.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>True when prefill handed the blocks over; false on any failure to reach it or a refusal.</summary>
    /// <exception cref="OperationCanceledException">The decode request was aborted.</exception>
    public async Task<bool> TryPullAsync(RemoteKvParams kv, string? requestId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PullTimeout);
        try
        {
            using HttpResponseMessage response = await SendAsync("/kv/pull", kv, requestId, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Best effort, on its own short timeout: the decode request that would have waited is already gone.</summary>
    public async Task<bool> TryReleaseAsync(RemoteKvParams kv, string? requestId)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout);
        try
        {
            using HttpResponseMessage response = await SendAsync("/kv/release", kv, requestId, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<HttpResponseMessage> SendAsync(string path, RemoteKvParams kv, string? requestId, CancellationToken cancellationToken)
    {
        var uri = new Uri($"http://{kv.Authority}{path}", UriKind.Absolute);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(BuildBody(kv, requestId)) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] BuildBody(RemoteKvParams kv, string? requestId)
    {
        using var buffer = new ArrayPoolBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, SimulatorJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("remote_engine_id"u8, kv.RemoteEngineId);
            writer.WriteStartArray("remote_block_ids"u8);
            foreach (int id in kv.BlockIds)
            {
                writer.WriteNumberValue(id);
            }

            writer.WriteEndArray();
            if (kv.RemoteRequestId is not null)
            {
                writer.WriteString("remote_request_id"u8, kv.RemoteRequestId);
            }

            if (requestId is not null)
            {
                writer.WriteString("request_id"u8, requestId);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
