using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests.Http;

/// <summary>
/// Sends one request (through the router, or prefill-then-decode in direct mode) and measures it: status,
/// TTFT, inter-token gaps, end of stream, output tokens, and the cause of any failure.
/// Thread-safe; each call uses only the <see cref="RequestContext"/> it is given.
/// </summary>
internal sealed class RequestExecutor
{
    private const int MaxErrorDetail = 300;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpMessageInvoker _invoker;
    private readonly RequestBodyCache _bodies;
    private readonly TimeSpan _timeout;
    private readonly Uri _targetChat;
    private readonly Uri _targetCompletions;
    private readonly Uri? _prefillChat;
    private readonly Uri? _prefillCompletions;

    public RequestExecutor(HttpMessageInvoker invoker, RequestBodyCache bodies, TimeSpan timeout, Uri target, Uri? directPrefill)
    {
        _invoker = invoker;
        _bodies = bodies;
        _timeout = timeout;
        ArgumentNullException.ThrowIfNull(target);
        _targetChat = new Uri(target, "v1/chat/completions");
        _targetCompletions = new Uri(target, "v1/completions");
        if (directPrefill is not null)
        {
            _prefillChat = new Uri(directPrefill, "v1/chat/completions");
            _prefillCompletions = new Uri(directPrefill, "v1/completions");
        }
    }

    /// <param name="origin">The timestamp latencies count from: the intended send time in open loop.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RequestResult> ExecuteAsync(RequestContext context, RequestShape shape, int promptTokens, int maxTokens, long origin, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Start(_timeout);
        try
        {
            byte[] body = _bodies.Get(shape, promptTokens, maxTokens, BodyPurpose.Client);
            if (_prefillChat is not null)
            {
                RequestResult? prefillFailure = null;
                (body, prefillFailure) = await PrefillAsync(context, shape, promptTokens, maxTokens, body, origin).ConfigureAwait(false);
                if (prefillFailure is { } failure)
                {
                    return failure;
                }
            }

            return await SendAsync(context, shape.Api == ApiKind.Chat ? _targetChat : _targetCompletions, shape.Stream, body, origin).ConfigureAwait(false);
        }
        catch (Exception exception) when (runToken.IsCancellationRequested)
        {
            _ = exception;
            return RequestResult.Cancelled(origin);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return RequestResult.Failure(ErrorClassifier.FromException(exception), Describe(exception), origin);
        }
        finally
        {
            context.Finish();
        }
    }

    /// <summary>Direct mode's first leg; returns the decode body with the prefill's kv_transfer_params, or a failure.</summary>
    private async Task<(byte[] DecodeBody, RequestResult? Failure)> PrefillAsync(RequestContext context, RequestShape shape, int promptTokens, int maxTokens, byte[] clientBody, long origin)
    {
        byte[] prefillBody = _bodies.Get(shape, promptTokens, maxTokens, BodyPurpose.DirectPrefill);
        using HttpResponseMessage response = await _invoker.SendAsync(CreateRequest(shape.Api == ApiKind.Chat ? _prefillChat! : _prefillCompletions!, prefillBody), context.Token).ConfigureAwait(false);
        int length = await ReadWholeBodyAsync(context, response).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return ([], RequestResult.Failure(ErrorClassifier.FromStatus(response.StatusCode), "prefill: " + Detail(response.StatusCode, context.ReadBuffer.AsSpan(0, length)), origin));
        }

        if (!OpenAiBodyInspector.TryFindKvTransferParams(context.ReadBuffer.AsSpan(0, length), out Range range))
        {
            return ([], RequestResult.Failure(ErrorCause.BadResponse, "prefill answered without kv_transfer_params", origin));
        }

        return (RequestBodyBuilder.WithKvTransferParams(clientBody, context.ReadBuffer.AsSpan(0, length)[range]), null);
    }

    private async Task<RequestResult> SendAsync(RequestContext context, Uri uri, bool stream, byte[] body, long origin)
    {
        using HttpResponseMessage response = await _invoker.SendAsync(CreateRequest(uri, body), context.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            int length = await ReadWholeBodyAsync(context, response).ConfigureAwait(false);
            return RequestResult.Failure(ErrorClassifier.FromStatus(response.StatusCode), Detail(response.StatusCode, context.ReadBuffer.AsSpan(0, length)), origin);
        }

        if (!stream)
        {
            int length = await ReadWholeBodyAsync(context, response).ConfigureAwait(false);
            long end = MonotonicTime.Now;
            ReadOnlySpan<byte> answer = context.ReadBuffer.AsSpan(0, length);
            if (OpenAiBodyInspector.IsErrorObject(answer))
            {
                return RequestResult.Failure(ErrorCause.BadResponse, "200 with an error body: " + Truncate(answer), origin);
            }

            int tokens = Math.Max(0, OpenAiBodyInspector.CompletionTokens(answer));
            return new RequestResult(RequestOutcome.Succeeded, default, null, origin, 0, end, tokens, Streamed: false);
        }

        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return RequestResult.Failure(ErrorCause.BadResponse, $"a stream was asked for but the answer is '{mediaType}'", origin);
        }

        return await ReadStreamAsync(context, response, origin).ConfigureAwait(false);
    }

    private static async Task<RequestResult> ReadStreamAsync(RequestContext context, HttpResponseMessage response, long origin)
    {
        context.BeginStream();
        Stream body = await response.Content.ReadAsStreamAsync(context.Token).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            while (true)
            {
                int read = await body.ReadAsync(context.ReadBuffer, context.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                // One timestamp per read: events that arrive in one read reached the client together.
                Consume(context, read, MonotonicTime.Now);
            }
        }

        long end = context.DoneTimestamp != 0 ? context.DoneTimestamp : MonotonicTime.Now;
        if (context.SawError)
        {
            return RequestResult.Failure(ErrorCause.SseErrorEvent, "the stream carried an error event", origin);
        }

        if (context.DoneTimestamp == 0)
        {
            return RequestResult.Failure(ErrorCause.StreamEndedWithoutDone, $"the stream ended after {context.TokenChunks} token chunks without [DONE]", origin);
        }

        int tokens = context.UsageCompletionTokens >= 0 ? context.UsageCompletionTokens : context.TokenChunks;
        return new RequestResult(RequestOutcome.Succeeded, default, null, origin, context.FirstTokenTimestamp, end, tokens, Streamed: true);
    }

    /// <summary>Feeds one read to the parser; kept apart from the async loop because spans cannot live across awaits.</summary>
    private static void Consume(RequestContext context, int read, long now)
    {
        ReadOnlySpan<byte> input = context.ReadBuffer.AsSpan(0, read);
        while (context.Parser.TryReadEvent(ref input, out SseEvent sseEvent))
        {
            switch (sseEvent.Kind)
            {
                case SseEventKind.Done:
                    if (context.DoneTimestamp == 0)
                    {
                        context.DoneTimestamp = now;
                    }

                    break;
                case SseEventKind.Error:
                    context.SawError = true;
                    break;
                default:
                    if (sseEvent.HasToken)
                    {
                        if (context.FirstTokenTimestamp == 0)
                        {
                            context.FirstTokenTimestamp = now;
                        }
                        else
                        {
                            context.AddGap(MonotonicTime.ToMicroseconds(now - context.LastTokenTimestamp));
                        }

                        context.LastTokenTimestamp = now;
                        context.TokenChunks++;
                    }

                    if (sseEvent.CompletionTokens >= 0)
                    {
                        context.UsageCompletionTokens = sseEvent.CompletionTokens;
                    }

                    break;
            }
        }
    }

    /// <summary>Reads a whole (JSON) body into the context's buffer, growing it as needed; returns its length.</summary>
    private static async Task<int> ReadWholeBodyAsync(RequestContext context, HttpResponseMessage response)
    {
        Stream body = await response.Content.ReadAsStreamAsync(context.Token).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            int length = 0;
            while (true)
            {
                if (length == context.ReadBuffer.Length)
                {
                    context.GrowReadBuffer(context.ReadBuffer.Length * 2, length);
                }

                int read = await body.ReadAsync(context.ReadBuffer.AsMemory(length), context.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return length;
                }

                length += read;
            }
        }
    }

    private static HttpRequestMessage CreateRequest(Uri uri, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
    }

    private static string Detail(HttpStatusCode status, ReadOnlySpan<byte> body) => $"{(int)status}: {Truncate(body)}";

    private static string Truncate(ReadOnlySpan<byte> body) =>
        System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxErrorDetail)]);

    private static string Describe(Exception exception)
    {
        Exception innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return ReferenceEquals(innermost, exception)
            ? $"{exception.GetType().Name}: {exception.Message}"
            : $"{exception.GetType().Name}: {exception.Message} ({innermost.GetType().Name}: {innermost.Message})";
    }
}
