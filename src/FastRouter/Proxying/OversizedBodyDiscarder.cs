using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using FastRouter.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// The router's lingering close, for a request whose body is over --max-request-body-bytes. Once its 413 is sent, the
/// rest of the body is read and dropped, up to --max-discarded-body-bytes, --discard-body-time and
/// --discard-body-idle-timeout, before the connection closes. Closing at once would make the kernel answer the bytes
/// still arriving with a reset, and a client that writes its whole body before it reads (Python's http.client, httpx
/// under the openai SDK) would see a broken pipe instead of the 413, and retry the same upload. Thread-safe.
/// </summary>
internal sealed partial class OversizedBodyDiscarder
{
    private readonly long _maxBytes;
    private readonly TimeSpan _time;
    private readonly TimeSpan _idleTimeout;
    private readonly ILogger _logger;

    public OversizedBodyDiscarder(RouterOptions options, ILogger<OversizedBodyDiscarder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxBytes = options.MaxDiscardedBodyBytes;
        _time = options.DiscardBodyTime;
        _idleTimeout = options.DiscardBodyIdleTimeout;
        _logger = logger;
    }

    /// <summary>What ended a discard: for the log line, and whether the connection is cut.</summary>
    private enum Outcome
    {
        BodyEnded,
        ByteBound,
        TimeBound,
        IdleTimeout,
        ClientGone,
    }

    /// <summary>
    /// Before a body that may be too large is read (chunked, or an announced length over the limit): lifts Kestrel's
    /// own size limit for this request. The router counts against the same limit itself, and Kestrel's would fail
    /// every read past it, the discard's included. Kestrel's limit still guards every other path. With discarding
    /// off (--max-discarded-body-bytes 0) it stays, so that Kestrel closes at once instead of draining for 5 s.
    /// </summary>
    public void LiftServerLimit(HttpContext context)
    {
        if (_maxBytes == 0)
        {
            return;
        }

        IHttpMaxRequestBodySizeFeature? limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is { IsReadOnly: false })
        {
            limit.MaxRequestBodySize = null;
        }
    }

    /// <summary>
    /// Whether the 413 for this request is followed by a discard. Only HTTP/1.x needs one: HTTP/2 ends the one stream
    /// and keeps the connection.
    /// </summary>
    public bool AppliesTo(HttpRequest request) =>
        _maxBytes > 0 && (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol));

    /// <summary>
    /// Reads and drops the rest of the body, its 413 already sent and its concurrency slot already given back. Ends
    /// when the body does (the connection then closes cleanly, Connection: close), or cuts the connection at a bound.
    /// Never throws. The body is read straight from Kestrel's pipe and let go unread, so nothing is copied and the
    /// memory held is Kestrel's own input buffer, whatever the body's size.
    /// </summary>
    public async Task DiscardAsync(HttpContext context, string requestId)
    {
        PipeReader body = context.Request.BodyReader;
        long dropped = 0;
        long started = Stopwatch.GetTimestamp();
        Outcome outcome;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            while (true)
            {
                TimeSpan left = _time - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    outcome = Outcome.TimeBound;
                    break;
                }

                timeout.CancelAfter(left < _idleTimeout ? left : _idleTimeout);
                ReadResult result = await body.ReadAsync(timeout.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                dropped += buffer.Length;
                body.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    outcome = Outcome.BodyEnded;
                    break;
                }

                if (dropped > _maxBytes)
                {
                    outcome = Outcome.ByteBound;
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            outcome = Stopwatch.GetElapsedTime(started) >= _time ? Outcome.TimeBound : Outcome.IdleTimeout;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // The client left, ended its body short, broke its chunked framing, or sent slower than Kestrel's
            // minimum data rate: whichever, nothing more will be read.
            outcome = Outcome.ClientGone;
        }

        switch (outcome)
        {
            case Outcome.BodyEnded:
                Log.Discarded(_logger, dropped, requestId);
                break;
            case Outcome.ClientGone:
                // Nothing is left to read, so the connection closes cleanly: the 413 stays readable.
                Log.DiscardEndedByClient(_logger, dropped, requestId);
                break;
            default:
                // A bound: the connection is cut now, not after Kestrel's own 5 s attempt to drain the body.
                context.Abort();
                Log.DiscardCut(_logger, dropped, Describe(outcome), requestId);
                break;
        }
    }

    private string Describe(Outcome outcome) => outcome switch
    {
        Outcome.ByteBound => "more than " + _maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes (" + FlagNames.MaxDiscardedBodyBytes + ")",
        Outcome.TimeBound => _time.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s (" + FlagNames.DiscardBodyTime + ")",
        _ => "no data for " + _idleTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s (" + FlagNames.DiscardBodyIdleTimeout + ")",
    };

    private static partial class Log
    {
        [LoggerMessage(50, LogLevel.Debug, "Dropped the rest of an oversized body after its 413, {Bytes} bytes, then closed the connection [request_id={RequestId}]")]
        public static partial void Discarded(ILogger logger, long bytes, string requestId);

        [LoggerMessage(51, LogLevel.Information, "Cut the connection of an oversized body after its 413: {Bytes} bytes dropped, {Bound} reached [request_id={RequestId}]")]
        public static partial void DiscardCut(ILogger logger, long bytes, string bound, string requestId);

        [LoggerMessage(52, LogLevel.Debug, "The client of an oversized body left while its rest was dropped after the 413 ({Bytes} bytes) [request_id={RequestId}]")]
        public static partial void DiscardEndedByClient(ILogger logger, long bytes, string requestId);
    }
}
