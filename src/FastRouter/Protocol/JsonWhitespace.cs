namespace FastRouter.Protocol;

/// <summary>
/// JSON's four whitespace bytes (RFC 8259, section 2), for the hand-written scans that step over them between
/// tokens without a <see cref="System.Text.Json.Utf8JsonReader"/>.
/// </summary>
internal static class JsonWhitespace
{
    public static ReadOnlySpan<byte> Bytes => " \t\r\n"u8;

    public static bool Is(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>
    /// The index of the first byte at or after <paramref name="from"/> that is not whitespace; the length when there
    /// is none. A loop rather than a vectorized search: between tokens there are seldom more than a few such bytes.
    /// </summary>
    public static int Skip(ReadOnlySpan<byte> bytes, int from)
    {
        while (from < bytes.Length && Is(bytes[from]))
        {
            from++;
        }

        return from;
    }
}
