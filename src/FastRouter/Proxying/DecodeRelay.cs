using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.Http.Headers;
using FastRouter.Protocol;
using FastRouter.Telemetry;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Proxying;

/// <summary>
/// Relays the decode pod's answer to the client: status, Content-Type and body bytes unchanged. Bytes are
/// read straight into Kestrel's output buffer; an SSE stream is flushed whenever it ends at a complete event,
/// so events that arrive together leave together and none waits for the next. Nothing about the response is
/// set until the first bytes are in hand, so an answer that dies before them can be retried elsewhere.
/// </summary>
internal static class DecodeRelay
{
    /// <summary>Bytes held back waiting for the end of an event before flushing anyway.</summary>
    private const int MaxUnflushedBytes = 64 * 1024;

    private const int ReadSize = 4096;

    /// <param name="context">The client's exchange.</param>
    /// <param name="upstream">The decode pod's answer, headers received.</param>
    /// <param name="idleTimeout">Reset before every read: a stream may run for hours but not fall silent this long.</param>
    /// <param name="idleSource">Cancels the upstream reads; the client's abort cancels it too.</param>
    /// <param name="telemetry">Where TTFT, the handoff gap, inter-event gaps and the usage's tokens are recorded.</param>
    /// <param name="exchange">The request's buffers: its decode body knows the connection it went out on; its bodies are released once an event stream begins.</param>
    public static async Task<RelayOutcome> RelayAsync(HttpContext context, HttpResponseMessage upstream, TimeSpan idleTimeout, CancellationTokenSource idleSource, RelayTelemetry telemetry, ProxyExchange exchange)
    {
        HttpResponse response = context.Response;
        CancellationToken clientAborted = context.RequestAborted;
        bool isEventStream = false;
        string? contentType = null;
        if (upstream.Content.Headers.NonValidated.TryGetValues("Content-Type", out HeaderStringValues contentTypes))
        {
            contentType = contentTypes.ToString();
            isEventStream = contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
        }

        PipeWriter output = response.BodyWriter;
        var events = new SseEventTracker();
        var usage = new UsageScanner();
        int unflushed = 0;
        bool started = false;
        long lastFlushAt = 0;
        try
        {
            idleSource.CancelAfter(idleTimeout);
            Stream body = await upstream.Content.ReadAsStreamAsync(idleSource.Token).ConfigureAwait(false);
            SegmentedContent? sent = exchange.DecodeContent;
            BackendConnectionStream? transport = sent is not null && IsChunked(upstream) ? sent.Transport : null;
            bool drained = false;
            while (true)
            {
                // Wait for bytes before taking a block of Kestrel's output buffer, so an idle stream (a pod thinking
                // between tokens) holds no buffer: that is what lets one router hold thousands of slow streams.
                // Once a read has emptied HttpClient's buffer, the wait is a zero-byte receive on the socket, which
                // allocates nothing (see BackendConnectionStream); otherwise a zero-byte read through HttpClient,
                // which completes at once when bytes are buffered.
                idleSource.CancelAfter(idleTimeout);
                if (drained && transport!.IsReceivingAnswerTo(sent!))
                {
                    // Awaited here, not in a helper: a helper's own async state machine would be allocated per wait.
                    try
                    {
                        await transport.WaitForDataAsync(idleSource.Token).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                    {
                        // A reset or closed connection: the read through HttpClient below reports it as it always does.
                    }
                }
                else
                {
                    await body.ReadAsync(Memory<byte>.Empty, idleSource.Token).ConfigureAwait(false);
                }

                Memory<byte> memory = output.GetMemory(ReadSize);
                int read = await body.ReadAsync(memory, idleSource.Token).ConfigureAwait(false);

                // A chunked read that filled less than asked for stopped because HttpClient had nothing more buffered.
                drained = transport is not null && read > 0 && read < memory.Length;
                if (!started)
                {
                    // The first bytes (or a clean empty body) are here: from now on the answer is the client's.
                    // A stream may run for minutes, so its bodies go back to the pool now. A JSON answer comes whole
                    // (vLLM sends it when the generation ends) and the request ends with it: its bodies stay until
                    // then, and the exchange keeps small ones for its next request (ProxyExchange.TryReset).
                    started = true;
                    if (isEventStream)
                    {
                        exchange.ReleaseBodiesOnceAnswered();
                    }
                    response.StatusCode = (int)upstream.StatusCode;
                    response.ContentType = contentType;
                    if (!isEventStream && upstream.Content.Headers.ContentLength is long length)
                    {
                        response.ContentLength = length;
                    }
                }

                if (read == 0)
                {
                    break;
                }

                usage.Feed(memory.Span[..read]);
                output.Advance(read);
                unflushed += read;
                bool endsEvent = isEventStream && events.EndsAtEventBoundary(memory.Span[..read]);
                if (!isEventStream || endsEvent || unflushed >= MaxUnflushedBytes)
                {
                    FlushResult flushed = await output.FlushAsync(clientAborted).ConfigureAwait(false);
                    unflushed = 0;
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return RelayOutcome.ClientDisconnected;
                    }

                    lastFlushAt = lastFlushAt == 0
                        ? telemetry.Metrics.FirstByteToClient(telemetry.Decode, telemetry.RequestStartedAt, telemetry.PrefillAnsweredAt)
                        : endsEvent ? telemetry.Metrics.StreamEventsFlushed(telemetry.Call, lastFlushAt) : lastFlushAt;
                }
            }

            if (unflushed > 0)
            {
                await output.FlushAsync(clientAborted).ConfigureAwait(false);
            }

            if (usage.Found)
            {
                telemetry.Metrics.Tokens(telemetry.Call, usage.PromptTokens, usage.CompletionTokens);
            }

            return RelayOutcome.Completed;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or HttpRequestException)
        {
            if (clientAborted.IsCancellationRequested)
            {
                return RelayOutcome.ClientDisconnected;
            }

            if (!started)
            {
                return RelayOutcome.FailedBeforeFirstByte;
            }

            bool timedOut = exception is OperationCanceledException;
            string message = timedOut
                ? "The decode pod sent nothing for longer than the stream idle timeout."
                : "The decode pod's answer broke off: " + exception.Message;
            await EndBrokenAnswerAsync(context, isEventStream, unflushed, timedOut ? 504 : 502, message).ConfigureAwait(false);
            return RelayOutcome.UpstreamFailed;
        }
    }

    private static bool IsChunked(HttpResponseMessage upstream) =>
        upstream.Headers.NonValidated.TryGetValues("Transfer-Encoding", out HeaderStringValues codings)
        && codings.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// After the answer began, its status cannot change: an event stream gets vLLM's error event and ends
    /// without [DONE]; any other body is cut so it cannot pass for a complete one.
    /// </summary>
    private static async Task EndBrokenAnswerAsync(HttpContext context, bool isEventStream, int unflushed, int status, string message)
    {
        if (isEventStream)
        {
            try
            {
                if (unflushed > 0)
                {
                    // A partial event is pending: end it so the error event is not glued to its last line.
                    context.Response.BodyWriter.Write("\n\n"u8);
                }

                OpenAiErrors.WriteSseEvent(context.Response.BodyWriter, status, message);
                await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException)
            {
                // The client left meanwhile; nothing more to tell it.
            }
        }

        context.Abort();
    }
}
