using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// Sends one turn and reads its SSE answer line by line: time to the first content delta, the gaps between
/// deltas, and the concatenated text. Thread-safe (the invoker is shared; state is per call).
/// </summary>
internal sealed class TurnClient
{
    private const int MaxErrorDetail = 300;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpMessageInvoker _invoker;
    private readonly TimeSpan _timeout;

    public TurnClient(HttpMessageInvoker invoker, TimeSpan timeout)
    {
        _invoker = invoker;
        _timeout = timeout;
    }

    /// <param name="origin">When the turn was meant to leave; TTFT counts from it.</param>
    public async Task<TurnOutcome> SendAsync(Uri chatUri, byte[] body, long origin, CancellationToken runToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        timeout.CancelAfter(_timeout);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, chatUri) { Content = content, Version = HttpVersion.Version11 };
        try
        {
            using HttpResponseMessage response = await _invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string detail = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                return Failure($"{(int)response.StatusCode}: {detail[..Math.Min(detail.Length, MaxErrorDetail)]}");
            }

            Stream stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var answer = new StringBuilder();
                var gaps = new List<long>();
                long first = 0;
                long last = 0;
                bool done = false;
                while (await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
                {
                    if (!line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string payload = line[5..].Trim();
                    if (payload == "[DONE]")
                    {
                        done = true;
                        break;
                    }

                    byte[] bytes = Encoding.UTF8.GetBytes(payload);
                    if (OpenAiBodyInspector.IsErrorObject(bytes))
                    {
                        return Failure("error event: " + payload[..Math.Min(payload.Length, MaxErrorDetail)]);
                    }

                    if (!StreamChunkText.TryAppendContent(bytes, answer))
                    {
                        continue;
                    }

                    long now = MonotonicTime.Now;
                    if (first == 0)
                    {
                        first = now;
                    }
                    else
                    {
                        gaps.Add(MonotonicTime.ToMicroseconds(now - last));
                    }

                    last = now;
                }

                if (!done || first == 0)
                {
                    return Failure(done ? "stream without content" : "stream ended before [DONE]");
                }

                return new TurnOutcome(true, null, MonotonicTime.ToMicroseconds(first - origin), gaps, answer.ToString());
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return Failure(runToken.IsCancellationRequested ? "cancelled at the end of the run" : $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private static TurnOutcome Failure(string error) => new(false, error, 0, [], null);
}
