using System.Collections.Concurrent;
using System.Numerics;

namespace FastRouter.Proxying;

/// <summary>
/// The router's own pool of body arrays from 128 KiB to 1 MiB (powers of two): long prompts (a 64k-token prompt is
/// about 256 KiB) reuse arrays instead of allocating on the large object heap, where each new array counts toward the
/// next gen 2 collection (BodyBufferBenchmarks: a 256 KiB body read took 157 µs and allocated 393 KB without this
/// pool, 15.7 µs and nothing with it). Unlike <see cref="System.Buffers.ArrayPool{T}.Shared"/>, which keeps up to 32
/// arrays of each size per core, it keeps at most <see cref="KeptPerSize"/> of each: about 15 MiB in all, and
/// <see cref="LargeBufferReclaimer"/> empties it once a burst of large bodies is over. Thread-safe.
/// </summary>
internal static class BodyArrayPool
{
    public const int SmallestSize = 128 * 1024;

    public const int LargestSize = 1024 * 1024;

    /// <summary>Arrays kept of each size: enough for a few long prompts at once, little held after a burst.</summary>
    public const int KeptPerSize = 8;

    private static readonly int SmallestShift = BitOperations.Log2(SmallestSize);
    private static readonly Bucket[] Buckets = [new(), new(), new(), new()];

    /// <summary>An array of exactly <paramref name="size"/> bytes, a power of two from 128 KiB to 1 MiB.</summary>
    public static byte[] Rent(int size) =>
        Buckets[BucketOf(size)].Arrays.TryDequeue(out byte[]? array) && Decrement(size) ? array : GC.AllocateUninitializedArray<byte>(size);

    /// <summary>Keeps <paramref name="array"/> for another body; false when its size has enough kept (it is dropped).</summary>
    public static bool Return(byte[] array)
    {
        Bucket bucket = Buckets[BucketOf(array.Length)];
        if (Interlocked.Increment(ref bucket.Count) > KeptPerSize)
        {
            Interlocked.Decrement(ref bucket.Count);
            return false;
        }

        bucket.Arrays.Enqueue(array);
        return true;
    }

    /// <summary>Drops every kept array, so a collection can give their memory back.</summary>
    public static void Trim()
    {
        foreach (Bucket bucket in Buckets)
        {
            while (bucket.Arrays.TryDequeue(out _))
            {
                Interlocked.Decrement(ref bucket.Count);
            }
        }
    }

    private static bool Decrement(int size)
    {
        Interlocked.Decrement(ref Buckets[BucketOf(size)].Count);
        return true;
    }

    private static int BucketOf(int size) => BitOperations.Log2((uint)size) - SmallestShift;

    private sealed class Bucket
    {
        public readonly ConcurrentQueue<byte[]> Arrays = new();

        public int Count;
    }
}
