using System.Diagnostics;
using System.Net;
using FastRouter.Protocol;

namespace FastRouter.Proxying;

/// <summary>
/// An HTTP request body written straight from <see cref="BodySegments"/>: slices of the client's bytes and
/// replacement bytes, with a known Content-Length and no intermediate copy.
/// </summary>
internal sealed class SegmentedContent : HttpContent
{
    private readonly BodySegments _segments;
    private int _state; // 0 idle, 1 writing, 2 written
    private long _writtenAt;

    public SegmentedContent(BodySegments segments)
    {
        _segments = segments;
        Headers.TryAddWithoutValidation("Content-Type", "application/json");
    }

    /// <summary>
    /// False while a write to the socket may still be reading the segments' memory (the server can answer
    /// before the request body is fully sent); the memory must not be reused then.
    /// </summary>
    public bool IsIdle => Volatile.Read(ref _state) != 1;

    /// <summary>The pooled connection this body was written to, when it was seen being written (see <see cref="BackendConnectionStream"/>).</summary>
    public BackendConnectionStream? Transport { get; set; }

    /// <summary>
    /// When the whole body had been handed to the connection (a <see cref="Stopwatch"/> timestamp); 0 until then.
    /// From this moment the pod has the whole request (see <see cref="DecodeAbortHook"/>).
    /// </summary>
    public long WrittenAt => Volatile.Read(ref _writtenAt);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _state, 1);
        try
        {
            // Each call into the stream is marked, so the connection that (synchronously, from inside it) receives
            // the bytes knows whose they are. The flush makes sure one does: HttpClient buffers small bodies.
            for (int i = 0; i < _segments.Count; i++)
            {
                await BackendConnectionStream.WriteMarkedAsync(stream, this, _segments[i], cancellationToken).ConfigureAwait(false);
            }

            await BackendConnectionStream.FlushMarkedAsync(stream, this, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _writtenAt, Stopwatch.GetTimestamp());
        }
        finally
        {
            Volatile.Write(ref _state, 2);
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _state, 1);
        try
        {
            for (int i = 0; i < _segments.Count; i++)
            {
                stream.Write(_segments[i].Span);
            }

            Volatile.Write(ref _writtenAt, Stopwatch.GetTimestamp());
        }
        finally
        {
            Volatile.Write(ref _state, 2);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _segments.Length;
        return true;
    }
}
