using System.Net.Sockets;

namespace FastRouter.Proxying;

/// <summary>
/// The transport under one pooled connection to a pod (<see cref="SocketsHttpHandler.ConnectCallback"/>). It lets
/// the decode relay wait for a paced SSE event on the socket itself, with a zero-byte receive that allocates
/// nothing, instead of inside <c>HttpClient</c>'s chunked response stream, whose read allocates an async state
/// machine every time it has to wait: once per event when a pod sends tokens apart, and those boxes, alive
/// across the wait, are promoted and pile up in gen 2 under thousands of slow streams.
/// <para>
/// Waiting beside <c>HttpClient</c> is only sound while the connection still carries this relay's answer and the
/// answer's end has not been received. Two facts decide that: which request body was last written here (captured
/// while <see cref="SegmentedContent"/> writes, see <see cref="WriteMarkedAsync"/>), and the last four bytes received,
/// which end in CR LF CR LF once a chunked answer's last chunk has arrived. Every doubt answers "don't wait", and the
/// relay then reads through <c>HttpClient</c> as before.
/// </para>
/// </summary>
internal sealed class BackendConnectionStream : NetworkStream
{
    /// <summary>CR LF CR LF as received: the end of a chunked answer (last chunk, or trailers) or of a header block.</summary>
    private const uint EndOfMessage = 0x0D0A0D0A;

    [ThreadStatic]
    private static SegmentedContent? t_writing;

    /// <summary>The request body whose write last reached this connection; null when the last write was not one.</summary>
    private SegmentedContent? _sender;
    private uint _lastFourBytes = EndOfMessage;

    public BackendConnectionStream(Socket socket)
        : base(socket, ownsSocket: true)
    {
    }

    /// <summary>
    /// Shuts the sending side only (TCP FIN): the pod sees the client gone, and what it already sent can still be
    /// read (see <see cref="PrefillAbortHook"/>). False when the socket is already closed.
    /// </summary>
    public bool TryShutdownSend() => TryShutdown(SocketShutdown.Send);

    /// <summary>
    /// Shuts both sides, once a half-closed connection's answer has been read: the pool's check before it lends an
    /// idle connection (a zero-byte read) then sees the end of the stream and drops it, instead of handing a request
    /// a connection it cannot send on.
    /// </summary>
    public void ShutdownBoth() => TryShutdown(SocketShutdown.Both);

    private bool TryShutdown(SocketShutdown how)
    {
        try
        {
            Socket.Shutdown(how);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts <paramref name="stream"/>'s write of <paramref name="segment"/> with <paramref name="content"/> marked as
    /// the body being written on this thread: a connection written to from inside the call (synchronously) records it
    /// as its sender. The mark is cleared when the call returns or throws, so it never outlives the write.
    /// </summary>
    public static ValueTask WriteMarkedAsync(Stream stream, SegmentedContent content, ReadOnlyMemory<byte> segment, CancellationToken cancellationToken)
    {
        t_writing = content;
        try
        {
            return stream.WriteAsync(segment, cancellationToken);
        }
        finally
        {
            t_writing = null;
        }
    }

    /// <summary>As <see cref="WriteMarkedAsync"/>, for the flush that pushes a body HttpClient buffered onto the connection.</summary>
    public static Task FlushMarkedAsync(Stream stream, SegmentedContent content, CancellationToken cancellationToken)
    {
        t_writing = content;
        try
        {
            return stream.FlushAsync(cancellationToken);
        }
        finally
        {
            t_writing = null;
        }
    }

    /// <summary>
    /// True when the answer to <paramref name="content"/> is still being received on this connection, so data for
    /// it can only come from the socket once <c>HttpClient</c> has handed out everything it had buffered.
    /// </summary>
    public bool IsReceivingAnswerTo(SegmentedContent content) =>
        ReferenceEquals(Volatile.Read(ref _sender), content) && Volatile.Read(ref _lastFourBytes) != EndOfMessage;

    /// <summary>Waits until the socket has bytes to read (or is closed), reading none: no buffer is held meanwhile.</summary>
    public ValueTask<int> WaitForDataAsync(CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        SegmentedContent? writing = t_writing;
        writing?.Transport = this;
        Volatile.Write(ref _sender, writing);
        return base.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Volatile.Write(ref _sender, null);
        base.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ValueTask<int> read = base.ReadAsync(buffer, cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            int count = read.Result;
            NoteReceived(buffer.Span, count);
            return new ValueTask<int>(count);
        }

        // A read that waits (an answer's first bytes) is not followed: its bytes are not looked at, which would take
        // a continuation per read. Until a read completes at once again, "don't wait" is the safe answer.
        if (!buffer.IsEmpty)
        {
            Volatile.Write(ref _lastFourBytes, EndOfMessage);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        int count = base.Read(buffer);
        NoteReceived(buffer, count);
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void NoteReceived(ReadOnlySpan<byte> buffer, int count)
    {
        if (count == 0)
        {
            // A zero-byte read (a wait, or the pool's check of an idle connection) changes nothing; the end of the
            // stream ends every answer, as far as waiting goes.
            if (!buffer.IsEmpty)
            {
                Volatile.Write(ref _lastFourBytes, EndOfMessage);
            }

            return;
        }

        ReadOnlySpan<byte> received = buffer[..count];
        uint last = _lastFourBytes;
        if (last == EndOfMessage && received.Length < 4)
        {
            // The bytes before these are not known (a read that waited, or a fresh connection): stay on "don't wait"
            // rather than guess where a CR LF CR LF might straddle the two.
            return;
        }

        foreach (byte b in received.Length > 4 ? received[^4..] : received)
        {
            last = (last << 8) | b;
        }

        Volatile.Write(ref _lastFourBytes, last);
    }
}
