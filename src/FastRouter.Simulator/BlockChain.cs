namespace FastRouter.Simulation;

/// <summary>
/// Block ids as vLLM's prefix cache builds them: each full block's id hashes the previous block's id with the
/// block's own bytes, so a block matches only when everything before it matches too. Tokens are 4 bytes each.
/// </summary>
internal static class BlockChain
{
    public const int BytesPerToken = 4;

    /// <summary>Tokens of a rendering: 4 UTF-8 bytes per token, rounded up, at least 1.</summary>
    public static int TokensOf(int byteCount) => Math.Max(1, (byteCount + BytesPerToken - 1) / BytesPerToken);

    /// <summary>The ids of the full blocks of <paramref name="sequence"/>; a trailing partial block has none.</summary>
    public static ulong[] FullBlockIds(ReadOnlySpan<byte> sequence, int blockTokens)
    {
        int blockBytes = blockTokens * BytesPerToken;
        var ids = new ulong[sequence.Length / blockBytes];
        ulong previous = 0xcbf29ce484222325UL;
        for (int b = 0; b < ids.Length; b++)
        {
            ulong hash = previous ^ 0x9E3779B97F4A7C15UL;
            foreach (byte value in sequence.Slice(b * blockBytes, blockBytes))
            {
                hash = (hash ^ value) * 0x100000001b3UL;
            }

            // Finalise (splitmix64) so nearby inputs spread over the whole id space.
            hash ^= hash >> 30;
            hash *= 0xbf58476d1ce4e5b9UL;
            hash ^= hash >> 27;
            hash *= 0x94d049bb133111ebUL;
            hash ^= hash >> 31;
            ids[b] = hash;
            previous = hash;
        }

        return ids;
    }
}
