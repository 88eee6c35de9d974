using System.Buffers;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// A growable UTF-8 buffer that one thread formats a log line into and reuses for every line after (see
/// <see cref="For"/>), so formatting allocates nothing once it has grown to the longest line. Unlike
/// <see cref="ArrayBufferWriter{T}"/> it can be cut back, to undo a half-written attempt.
/// </summary>
internal sealed class LineBuffer : IBufferWriter<byte>
{
    /// <summary>Lines longer than this (an exception's stack) are not kept for reuse.</summary>
    private const int MaxRetainedBytes = 64 * 1024;

    [ThreadStatic]
    private static LineBuffer? t_line;

    [ThreadStatic]
    private static LineBuffer? t_message;

    private byte[] _bytes = new byte[512];

    public int WrittenCount { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _bytes.AsSpan(0, WrittenCount);

    /// <summary>This thread's line buffer, emptied.</summary>
    public static LineBuffer For() => Reset(t_line ??= new LineBuffer());

    /// <summary>This thread's second buffer, for a message written apart from its line (JSON escapes it after).</summary>
    public static LineBuffer ForMessage() => Reset(t_message ??= new LineBuffer());

    public void Advance(int count) => WrittenCount += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _bytes.AsMemory(WrittenCount);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _bytes.AsSpan(WrittenCount);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        WrittenCount += bytes.Length;
    }

    public void Write(byte value)
    {
        GetSpan(1)[0] = value;
        WrittenCount++;
    }

    /// <summary>Cuts the buffer back to <paramref name="count"/> bytes.</summary>
    public void Truncate(int count) => WrittenCount = Math.Min(count, WrittenCount);

    /// <summary>Replaces line breaks from <paramref name="start"/> on with spaces, so the entry stays one line.</summary>
    public void FlattenFrom(int start)
    {
        Span<byte> span = _bytes.AsSpan(start, WrittenCount - start);
        int at;
        while ((at = span.IndexOfAny((byte)'\n', (byte)'\r')) >= 0)
        {
            span[at] = (byte)' ';
            span = span[(at + 1)..];
        }
    }

    private static LineBuffer Reset(LineBuffer buffer)
    {
        if (buffer._bytes.Length > MaxRetainedBytes)
        {
            buffer._bytes = new byte[512];
        }

        buffer.WrittenCount = 0;
        return buffer;
    }

    private void Ensure(int sizeHint)
    {
        int needed = WrittenCount + Math.Max(sizeHint, 1);
        if (needed > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(needed, _bytes.Length * 2));
        }
    }
}
