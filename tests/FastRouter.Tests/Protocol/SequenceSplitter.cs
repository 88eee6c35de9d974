using System.Buffers;

namespace FastRouter.Tests.Protocol;

/// <summary>Builds multi-segment sequences, so parsing code is tested on bodies split across buffers.</summary>
internal static class SequenceSplitter
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        if (cuts.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Chunk? first = null;
        Chunk? last = null;
        int start = 0;
        foreach (int cut in cuts.Append(bytes.Length))
        {
            var chunk = new Chunk(bytes.AsMemory(start, cut - start), last);
            first ??= chunk;
            last = chunk;
            start = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, Chunk? previous)
        {
            // Copy each piece so a bug that reads across segments cannot be hidden by one shared array.
            Memory = memory.ToArray();
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
