namespace FastRouter.Telemetry;

/// <summary>
/// The label values of one series, as a value type so a lookup allocates nothing. At most four labels: every
/// instrument here has fewer, and the runtime meters have at most one or two; further tags are ignored.
/// </summary>
internal readonly struct SeriesKey : IEquatable<SeriesKey>
{
    public const int MaxLabels = 4;

    private readonly string? _v0;
    private readonly string? _v1;
    private readonly string? _v2;
    private readonly string? _v3;
    private readonly int _count;

    private SeriesKey(string? v0, string? v1, string? v2, string? v3, int count)
    {
        _v0 = v0;
        _v1 = v1;
        _v2 = v2;
        _v3 = v3;
        _count = count;
    }

    public int Count => _count;

    /// <summary>Reads tag values; non-string values are formatted (allocates: the router passes strings only).</summary>
    public static SeriesKey From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int count = Math.Min(tags.Length, MaxLabels);
        return new SeriesKey(
            count > 0 ? AsString(tags[0].Value) : null,
            count > 1 ? AsString(tags[1].Value) : null,
            count > 2 ? AsString(tags[2].Value) : null,
            count > 3 ? AsString(tags[3].Value) : null,
            count);
    }

    public string Value(int index) => (index switch
    {
        0 => _v0,
        1 => _v1,
        2 => _v2,
        _ => _v3,
    }) ?? string.Empty;

    public bool Equals(SeriesKey other) =>
        _count == other._count
        && string.Equals(_v0, other._v0, StringComparison.Ordinal)
        && string.Equals(_v1, other._v1, StringComparison.Ordinal)
        && string.Equals(_v2, other._v2, StringComparison.Ordinal)
        && string.Equals(_v3, other._v3, StringComparison.Ordinal);

    /// <summary>True when both hold the very same string instances: equal without reading a character.</summary>
    public bool HasSameReferences(in SeriesKey other) =>
        _count == other._count
        && ReferenceEquals(_v0, other._v0)
        && ReferenceEquals(_v1, other._v1)
        && ReferenceEquals(_v2, other._v2)
        && ReferenceEquals(_v3, other._v3);

    public override bool Equals(object? obj) => obj is SeriesKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_v0, _v1, _v2, _v3, _count);

    private static string? AsString(object? value) => value as string ?? value?.ToString();
}
