using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// Sends one streamed chat completion with the client's key, band and queue timeout, and reads the answer to its end:
/// the first content delta gives TTFT, <c>[DONE]</c> makes it served. The hang timeout bounds the whole exchange from
/// the moment the request was due. Thread-safe (the invoker is shared; state is per call).
/// </summary>
internal sealed class OverloadRequestSender
{
    private const int MaxErrorDetail = 200;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _chatUri;
    private readonly string _queueTimeout;
    private readonly TimeSpan _hangTimeout;

    public OverloadRequestSender(HttpMessageInvoker invoker, Uri target, TimeSpan queueTimeout, TimeSpan hangTimeout)
    {
        ArgumentNullException.ThrowIfNull(target);
        _invoker = invoker;
        _chatUri = new Uri(target, "v1/chat/completions");
        _queueTimeout = queueTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        _hangTimeout = hangTimeout;
    }

    /// <param name="origin">When the request was due (<see cref="MonotonicTime"/> ticks); TTFT and the hang timeout count from it.</param>
    public async Task<OverloadOutcome> SendAsync(int client, int band, byte[] body, long origin, CancellationToken runToken)
    {
        using var hang = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        TimeSpan left = _hangTimeout - TimeSpan.FromSeconds(MonotonicTime.ToSeconds(MonotonicTime.Now - origin));
        hang.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, _chatUri) { Content = content, Version = HttpVersion.Version11 };
        request.Headers.TryAddWithoutValidation("Authorization", OverloadClient.Authorization(client));
        request.Headers.TryAddWithoutValidation("x-request-priority", OverloadBand.PriorityHeaderValue(band));
        request.Headers.TryAddWithoutValidation("x-request-queue-timeout", _queueTimeout);
        try
        {
            using HttpResponseMessage response = await _invoker.SendAsync(request, hang.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string detail = await response.Content.ReadAsStringAsync(hang.Token).ConfigureAwait(false);
                OverloadOutcomeKind kind = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => OverloadOutcomeKind.TooManyRequests,
                    HttpStatusCode.ServiceUnavailable => OverloadOutcomeKind.Unavailable,
                    _ => OverloadOutcomeKind.OtherError,
                };
                return new OverloadOutcome(kind, 0, $"{(int)response.StatusCode}: {detail[..Math.Min(detail.Length, MaxErrorDetail)]}");
            }

            Stream stream = await response.Content.ReadAsStreamAsync(hang.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await ReadStreamAsync(stream, origin, hang.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (hang.IsCancellationRequested && !runToken.IsCancellationRequested)
        {
            return new OverloadOutcome(OverloadOutcomeKind.Hanging, 0, $"no complete answer {_hangTimeout.TotalSeconds} s after it was due");
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return new OverloadOutcome(
                runToken.IsCancellationRequested ? OverloadOutcomeKind.Hanging : OverloadOutcomeKind.OtherError,
                0,
                runToken.IsCancellationRequested ? "cancelled: the run was stopped" : $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private static async Task<OverloadOutcome> ReadStreamAsync(Stream stream, long origin, CancellationToken token)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        long first = 0;
        while (await reader.ReadLineAsync(token).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            string payload = line[5..].Trim();
            if (payload == "[DONE]")
            {
                return first == 0
                    ? new OverloadOutcome(OverloadOutcomeKind.OtherError, 0, "stream without content")
                    : new OverloadOutcome(OverloadOutcomeKind.Served, MonotonicTime.ToMicroseconds(first - origin), null);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(payload);
            if (OpenAiBodyInspector.IsErrorObject(bytes))
            {
                return new OverloadOutcome(OverloadOutcomeKind.OtherError, 0, "error event: " + payload[..Math.Min(payload.Length, MaxErrorDetail)]);
            }

            if (first == 0 && HasContent(bytes))
            {
                first = MonotonicTime.Now;
            }
        }

        return new OverloadOutcome(OverloadOutcomeKind.OtherError, 0, "stream ended before [DONE]");
    }

    private static bool HasContent(byte[] chunk)
    {
        var scratch = new StringBuilder();
        return Conversations.StreamChunkText.TryAppendContent(chunk, scratch);
    }
}
