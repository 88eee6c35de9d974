namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>The state of the "N log lines dropped" warning: its count as a field, as a source-generated message's would be.</summary>
internal readonly struct DroppedLines(long count) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private const string Template = "{Count} log lines dropped: the console did not keep up (fastrouter_log_lines_dropped_total)";

    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new KeyValuePair<string, object?>("Count", count),
        1 => new KeyValuePair<string, object?>("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " log lines dropped: the console did not keep up (fastrouter_log_lines_dropped_total)";
}
