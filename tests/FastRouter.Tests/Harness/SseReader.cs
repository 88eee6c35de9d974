namespace FastRouter.Tests.Harness;

/// <summary>
/// Reads an SSE body event by event, as a streaming OpenAI client does, failing on anything vLLM would not send:
/// every event one <c>data: </c> line ended by a blank line. The tests' one SSE parser (the load generator's
/// SseStreamParser skips what it does not count, so it cannot check a stream's shape).
/// </summary>
internal static class SseReader
{
    private const string DataPrefix = "data: ";

    /// <summary>The payload of every <c>data:</c> event, in order, [DONE] included.</summary>
    public static async Task<List<string>> ReadAllDataAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return Parse(text);
    }

    public static List<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Assert.False(text.Length == 0, "an empty stream: not one event");
        var events = new List<string>();
        int position = 0;
        while (position < text.Length)
        {
            int end = text.IndexOf("\n\n", position, StringComparison.Ordinal);
            Assert.True(end >= 0, "an event not ended by a blank line: " + text[position..]);
            string line = text[position..end];
            Assert.True(line.StartsWith(DataPrefix, StringComparison.Ordinal), $"not a data line at {position}: {line}");
            Assert.False(line.Contains('\n', StringComparison.Ordinal), "an event of several lines (vLLM sends one): " + line);
            events.Add(line[DataPrefix.Length..]);
            position = end + 2;
        }

        return events;
    }
}
