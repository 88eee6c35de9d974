namespace FastRouter.Proxying;

/// <summary>
/// Tells whether relayed bytes end at the end of an SSE event (a blank line), across read boundaries,
/// so the relay flushes each complete event at once and holds a partial one.
/// </summary>
internal struct SseEventTracker
{
    // The last two bytes seen, newest in the low byte.
    private int _tail;

    /// <summary>Feeds the next chunk; returns true when everything fed so far ends with a complete event.</summary>
    public bool EndsAtEventBoundary(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length >= 2)
        {
            _tail = (chunk[^2] << 8) | chunk[^1];
        }
        else if (chunk.Length == 1)
        {
            _tail = ((_tail & 0xFF) << 8) | chunk[0];
        }

        // "\n\n" ends an event; "\r\n\r\n" ends in "\r\n" preceded by "\n", which two bytes cannot see,
        // so for CRLF streams a lone "\r\n" also counts (flushing one line early is harmless).
        return _tail == (('\n' << 8) | '\n') || _tail == (('\r' << 8) | '\n');
    }
}
