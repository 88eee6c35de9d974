using System.IO.Hashing;
using System.Text;

namespace FastRouter.Balancing;

/// <summary>
/// Rendezvous (highest random weight) hashing: each pod's weight for a key is a hash of the key and the pod's name,
/// and the pods in falling weight are the key's order. Every router replica computes the same order from the request
/// and the pod names alone, with no shared state, and removing a pod moves only the keys it ranked first.
/// </summary>
internal static class Rendezvous
{
    /// <summary>A pod name's stable 64-bit hash (XxHash3 of its UTF-8): the same in every process, unlike string hashes.</summary>
    public static ulong HashName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int length = Encoding.UTF8.GetByteCount(name);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(name, bytes);
        return XxHash3.HashToUInt64(bytes);
    }

    /// <summary>
    /// A number in [0, 1) that is the key's alone (the same finalizer of the key with no pod), the same in every
    /// replica: where, within the load bound's slack, this key's pod counts as over it (<see cref="PodPicker"/>).
    /// </summary>
    public static double KeyFraction(ulong key) => (Weight(key, 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53));

    /// <summary>The pod's weight for the key: a 64-bit finalizer (MurmurHash3's) of both, so that nearby keys rank pods unrelatedly.</summary>
    public static ulong Weight(ulong key, ulong podHash)
    {
        ulong x = key ^ podHash;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }
}
