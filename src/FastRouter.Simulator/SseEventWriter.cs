using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>
/// Writes server-sent events straight into Kestrel's response pipe: <c>data: &lt;json&gt;\n\n</c>, flushed one
/// by one as vLLM does, with no intermediate buffer per event. Also carries the DropMidStream fault: it aborts
/// the connection instead of starting event number N.
/// Used by one request at a time, on that request's flow only.
/// </summary>
internal sealed class SseEventWriter : IDisposable
{
    private static readonly TimeSpan DrainGrace = TimeSpan.FromMilliseconds(100);

    private readonly HttpContext _context;
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private readonly SimulatorStats _stats;
    private readonly int _dropBeforeEvent;
    private int _eventsSent;

    /// <param name="dropBeforeEvent">Abort the connection once this many events are sent; negative never aborts.</param>
    public SseEventWriter(HttpContext context, SimulatorStats stats, int dropBeforeEvent)
    {
        _context = context;
        _pipe = context.Response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, SimulatorJson.WriterOptions);
        _stats = stats;
        _dropBeforeEvent = dropBeforeEvent;
    }

    /// <summary>Sends the 200 and SSE headers now, so the client sees the stream open before the first token.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        HttpResponse response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts an event and returns the writer for its JSON, or null when the stream was dropped instead.</summary>
    public async ValueTask<Utf8JsonWriter?> BeginJsonEventAsync()
    {
        if (await DropIfDueAsync().ConfigureAwait(false))
        {
            return null;
        }

        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    public async ValueTask EndEventAsync(CancellationToken cancellationToken)
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        await FlushEventAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The terminating <c>data: [DONE]</c>; false when the stream was dropped instead.</summary>
    public async Task<bool> WriteDoneAsync(CancellationToken cancellationToken)
    {
        if (await DropIfDueAsync().ConfigureAwait(false))
        {
            return false;
        }

        _pipe.Write("data: [DONE]\n\n"u8);
        await FlushEventAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask<bool> DropIfDueAsync()
    {
        if (_eventsSent != _dropBeforeEvent)
        {
            return false;
        }

        // A flush hands the events to Kestrel's transport, not to the socket, and an abort discards what the
        // transport has not sent yet. Give it a moment (real time: this is I/O, not simulated latency) so the
        // client really receives the N events before the connection drops.
        await Task.Delay(DrainGrace, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
        _context.Abort();
        return true;
    }

    private async ValueTask FlushEventAsync(CancellationToken cancellationToken)
    {
        _eventsSent++;
        _stats.Increment(SimulatorCounter.SseEventsSent);
        FlushResult result = await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            // The client is gone; stop generating as vLLM aborts the request. Kestrel may not have signalled
            // RequestAborted yet (it does so from the thread pool), so the exception says by its type that the client
            // left, and the serve counts it as an abort either way.
            throw new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The client closed the stream.");
        }
    }
}
