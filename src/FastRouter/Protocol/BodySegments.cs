using System.Buffers;

namespace FastRouter.Protocol;

/// <summary>
/// An outgoing body described as a list of memory slices: pieces of the client's request or the prefill
/// answer, and literal replacement bytes. Nothing is copied until the bytes go to the socket.
/// Not thread-safe: owned by one request.
/// </summary>
internal sealed class BodySegments
{
    private ReadOnlyMemory<byte>[] _items = new ReadOnlyMemory<byte>[16];

    public int Count { get; private set; }

    /// <summary>Total length in bytes, for Content-Length.</summary>
    public long Length { get; private set; }

    public ReadOnlyMemory<byte> this[int index] => _items[index];

    public void Add(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = bytes;
        Length += bytes.Length;
    }

    /// <summary>Adds the bytes of <paramref name="source"/> from <paramref name="start"/> up to <paramref name="end"/>.</summary>
    public void AddRange(in ReadOnlySequence<byte> source, int start, int end)
    {
        if (end <= start)
        {
            return;
        }

        if (source.IsSingleSegment)
        {
            Add(source.First.Slice(start, end - start));
            return;
        }

        foreach (ReadOnlyMemory<byte> piece in source.Slice(start, end - start))
        {
            Add(piece);
        }
    }

    public void AddAll(BodySegments other)
    {
        for (int i = 0; i < other.Count; i++)
        {
            Add(other._items[i]);
        }
    }

    /// <summary>Copies the whole body into one array; for tests and diagnostics, never the hot path.</summary>
    public byte[] ToArray()
    {
        byte[] result = new byte[Length];
        int offset = 0;
        for (int i = 0; i < Count; i++)
        {
            _items[i].Span.CopyTo(result.AsSpan(offset));
            offset += _items[i].Length;
        }

        return result;
    }

    public void Reset()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
        Length = 0;
    }
}
