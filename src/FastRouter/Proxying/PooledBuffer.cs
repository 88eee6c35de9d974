using System.Buffers;
using System.Numerics;

namespace FastRouter.Proxying;

/// <summary>
/// A growable byte buffer, filled from a stream once and then read as one contiguous sequence. It grows with the bytes
/// that arrive, never from the length the stream announces, and charges its array to a <see cref="BufferBudget"/>
/// while it holds it. Not thread-safe: owned by one request.
/// </summary>
/// <remarks>
/// Contiguous rather than a list of chunks, so the JSON scan reads one span (the reader's multi-segment path is the
/// slower one) and every body a client typically sends is one small array. Doubling copies each byte of a large body
/// about once more, a few milliseconds for 30 MiB, against the socket reads that bring it.
/// </remarks>
internal sealed class PooledBuffer
{
    /// <summary>
    /// Largest array taken from, and given back to, <see cref="ArrayPool{T}.Shared"/>. The shared pool keeps up to 32
    /// arrays of each size per core until a gen 2 collection under memory pressure trims it, so arrays of every size
    /// a burst used stay resident: 40 bodies of 30 MiB left 1.2 GiB held. Up to 64 KiB that is at most a few MiB over
    /// all sizes. Arrays up to 1 MiB come from <see cref="BodyArrayPool"/>, which keeps few; larger ones are allocated
    /// for the one body and dropped when it is done (<see cref="LargeBufferReclaimer"/> has the GC give their memory
    /// back).
    /// </summary>
    public const int LargestPooledArray = 64 * 1024;

    /// <summary>First array for a body of unknown length (chunked): what a typical chat request fits in.</summary>
    private const int InitialSize = 4096;

    private byte[] _array = [];
    private BufferBudget? _budget;
    private long _overdrawUpTo;
    private long _charged;

    public int Length { get; private set; }

    /// <summary>The size of the array held now (what is charged to the budget while reading).</summary>
    public int Capacity => _array.Length;

    public ReadOnlySequence<byte> Sequence => new(_array, 0, Length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>
    /// Reads <paramref name="source"/> to its end, or to <paramref name="expectedLength"/> when the stream's framing
    /// announced one (Content-Length: the stream cannot hand out more). Stops with <see cref="BufferReadResult.TooLarge"/>
    /// once it holds more than <paramref name="limit"/> bytes, and with <see cref="BufferReadResult.OverBudget"/> when
    /// <paramref name="budget"/> has no room for the array the next bytes need. The announced length only caps how far
    /// the array grows: a client announcing 32 MiB and sending 10 bytes costs no more than one sending 10 bytes.
    /// </summary>
    /// <param name="overdrawUpTo">
    /// How many bytes of array are charged even past the budget's limit (see <see cref="BufferBudget.Take"/>): only
    /// growth beyond them can answer OverBudget.
    /// </param>
    public async ValueTask<BufferReadResult> ReadToEndAsync(Stream source, long? expectedLength, long limit, BufferBudget? budget, CancellationToken cancellationToken, long overdrawUpTo = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        Length = 0;
        if (expectedLength > limit)
        {
            return BufferReadResult.TooLarge;
        }

        if (!ReferenceEquals(budget, _budget))
        {
            ReturnCharge();
            _budget = budget;
        }

        _overdrawUpTo = overdrawUpTo;

        // Most a body can need: one byte more than announced (or than the limit), so its end is seen without growing.
        long most = expectedLength is long announced ? announced + 1 : limit + 1;

        // An array kept from the last request is charged again, as any other.
        if (!await ChargeAsync(_array.Length - _charged, cancellationToken).ConfigureAwait(false)
            || !await EnsureAsync((int)Math.Min(most, expectedLength is null ? InitialSize : LargestPooledArray), cancellationToken).ConfigureAwait(false))
        {
            return BufferReadResult.OverBudget;
        }

        while (true)
        {
            if (Length == _array.Length)
            {
                if (Length >= limit + 1L)
                {
                    return BufferReadResult.TooLarge;
                }

                if (!await EnsureAsync((int)Math.Min(most, (long)_array.Length * 2), cancellationToken).ConfigureAwait(false))
                {
                    return BufferReadResult.OverBudget;
                }
            }

            int read = await source.ReadAsync(_array.AsMemory(Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return Length <= limit ? BufferReadResult.Complete : BufferReadResult.TooLarge;
            }

            Length += read;
            if (Length > limit)
            {
                return BufferReadResult.TooLarge;
            }

            // The announced length is all the stream may hand out (HttpClient ends a Content-Length body there), so
            // the read that would only say so is skipped.
            if (Length == expectedLength)
            {
                return BufferReadResult.Complete;
            }
        }
    }

    /// <summary>Gives the array back (to the pool when it is small) and its charge to the budget; the buffer is empty afterwards.</summary>
    public void Release()
    {
        ReturnCharge();
        GiveBack(_array);
        _array = [];
        Length = 0;
    }

    /// <summary>
    /// Empties the buffer for its owner's next use. An array of at most <paramref name="keepUpTo"/> bytes stays with
    /// it, uncharged, so the next body of that size needs no trip through the pool; a larger one is let go.
    /// </summary>
    public void Clear(int keepUpTo)
    {
        if (_array.Length > keepUpTo)
        {
            Release();
        }
        else
        {
            ReturnCharge();
            Length = 0;
        }
    }

    /// <summary>
    /// Forgets the array without returning it: a socket write may still be reading it. Its charge is given back: the
    /// write ends soon, and the GC frees the array then.
    /// </summary>
    public void Abandon()
    {
        ReturnCharge();
        _array = [];
        Length = 0;
    }

    /// <summary>Gives an array to the pool of its size, or counts it as dropped when no pool keeps it.</summary>
    private void GiveBack(byte[] array)
    {
        if (array.Length > LargestPooledArray)
        {
            if (array.Length > BodyArrayPool.LargestSize || !BodyArrayPool.Return(array))
            {
                _budget?.DroppedLarge(array.Length);
            }
        }
        else if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void ReturnCharge()
    {
        if (_charged != 0)
        {
            _budget!.Return(_charged);
            _charged = 0;
        }
    }

    private ValueTask<bool> ChargeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytes <= 0 || _budget is null)
        {
            return ValueTask.FromResult(true);
        }

        if (_charged + bytes <= _overdrawUpTo)
        {
            _budget.Take(bytes);
            _charged += bytes;
            return ValueTask.FromResult(true);
        }

        if (_budget.TryTake(bytes))
        {
            _charged += bytes;
            return ValueTask.FromResult(true);
        }

        return WaitForChargeAsync(bytes, cancellationToken);
    }

    private async ValueTask<bool> WaitForChargeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (!await _budget!.TakeAsync(bytes, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _charged += bytes;
        return true;
    }

    /// <summary>Grows the array to hold at least <paramref name="size"/> bytes, once the budget has room for the growth.</summary>
    private async ValueTask<bool> EnsureAsync(int size, CancellationToken cancellationToken)
    {
        size = Math.Max(size, 1);
        if (_array.Length >= size)
        {
            return true;
        }

        // The pools hand out powers of two: that, not the size asked, is what the array holds.
        int allocated = size <= BodyArrayPool.LargestSize ? (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 16)) : size;
        if (!await ChargeAsync(allocated - _array.Length, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        byte[] larger = allocated <= LargestPooledArray ? ArrayPool<byte>.Shared.Rent(allocated)
            : allocated <= BodyArrayPool.LargestSize ? BodyArrayPool.Rent(allocated)
            : GC.AllocateUninitializedArray<byte>(allocated);
        _array.AsSpan(0, Length).CopyTo(larger);
        GiveBack(_array);

        // What was charged is what the array holds: the shared pool's array for a power-of-two size is exactly that size.
        _array = larger;
        return true;
    }
}
