using System.Buffers;

namespace FastRouter.Proxying;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}"/>, filled from a stream once and then read
/// as one contiguous sequence. Not thread-safe: owned by one request.
/// </summary>
internal sealed class PooledBuffer
{
    private const int InitialSize = 4096;

    private byte[] _array = [];

    public int Length { get; private set; }

    public ReadOnlySequence<byte> Sequence => new(_array, 0, Length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>
    /// Reads <paramref name="source"/> to its end, or to <paramref name="expectedLength"/> when the stream's framing
    /// announced one (Content-Length: the stream cannot hand out more). Returns false, having stopped reading, when it
    /// holds more than <paramref name="limit"/> bytes.
    /// </summary>
    public async ValueTask<bool> ReadToEndAsync(Stream source, long? expectedLength, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Length = 0;
        if (expectedLength > limit)
        {
            return false;
        }

        // One byte more than announced, so the end of the stream is seen without growing the buffer.
        Ensure((int)Math.Min(limit, expectedLength is long announced ? announced + 1 : InitialSize));
        while (true)
        {
            if (Length == _array.Length)
            {
                if (Length >= limit + 1L)
                {
                    return false;
                }

                Ensure((int)Math.Min(limit + 1L, (long)_array.Length * 2));
            }

            int read = await source.ReadAsync(_array.AsMemory(Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return Length <= limit;
            }

            Length += read;
            if (Length > limit)
            {
                return false;
            }

            // The announced length is all the stream may hand out (HttpClient ends a Content-Length body there), so
            // the read that would only say so is skipped.
            if (Length == expectedLength)
            {
                return true;
            }
        }
    }

    /// <summary>Returns the array to the pool; the buffer is empty afterwards.</summary>
    public void Release()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = [];
        Length = 0;
    }

    /// <summary>
    /// Empties the buffer for its owner's next use. An array of at most <paramref name="keepUpTo"/> bytes stays with
    /// it, so the next body of that size needs no trip through the pool; a larger one goes back to the pool.
    /// </summary>
    public void Clear(int keepUpTo)
    {
        if (_array.Length > keepUpTo)
        {
            Release();
        }
        else
        {
            Length = 0;
        }
    }

    /// <summary>Forgets the array without returning it: a socket write may still be reading it.</summary>
    public void Abandon()
    {
        _array = [];
        Length = 0;
    }

    private void Ensure(int size)
    {
        size = Math.Max(size, 1);
        if (_array.Length >= size)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, Length).CopyTo(larger);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = larger;
    }
}
