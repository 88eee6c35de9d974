using System.Buffers;

namespace FastRouter.LoadTests.Http;

/// <summary>
/// Splits a server-sent-event stream into its <c>data:</c> lines as bytes arrive, whatever the read boundaries.
/// A line cut by a read waits in a pooled carry-over buffer; complete lines are classified in place, so nothing
/// is allocated per event. Other SSE lines (blank separators, comments, <c>event:</c>, <c>id:</c>) are skipped:
/// OpenAI streams put one JSON chunk on one data line.
/// One instance serves one request at a time; <see cref="Reset"/> between requests.
/// </summary>
internal sealed class SseStreamParser : IDisposable
{
    private byte[] _carry = ArrayPool<byte>.Shared.Rent(4096);
    private int _carryLength;

    /// <summary>Bytes of an unfinished line held since the last read; non-zero at the end means a cut stream.</summary>
    public int PendingBytes => _carryLength;

    public void Reset() => _carryLength = 0;

    /// <summary>
    /// Consumes <paramref name="input"/> up to and including the next complete data line and classifies it.
    /// Returns false once the input is used up; a trailing partial line is kept for the next call.
    /// </summary>
    public bool TryReadEvent(ref ReadOnlySpan<byte> input, out SseEvent sseEvent)
    {
        while (true)
        {
            int newline = input.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Carry(input);
                input = default;
                sseEvent = default;
                return false;
            }

            ReadOnlySpan<byte> line;
            if (_carryLength > 0)
            {
                Carry(input[..newline]);
                line = _carry.AsSpan(0, _carryLength);
                _carryLength = 0; // the span still reads the bytes; the next Carry overwrites them only after we return
            }
            else
            {
                line = input[..newline];
            }

            input = input[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!line.StartsWith("data:"u8))
            {
                continue;
            }

            ReadOnlySpan<byte> payload = line[5..];
            if (!payload.IsEmpty && payload[0] == (byte)' ')
            {
                payload = payload[1..];
            }

            sseEvent = OpenAiBodyInspector.ClassifyData(payload);
            return true;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_carry);
        _carry = [];
    }

    private void Carry(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        int needed = _carryLength + bytes.Length;
        if (needed > _carry.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _carry.Length * 2));
            _carry.AsSpan(0, _carryLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = larger;
        }

        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = needed;
    }
}
