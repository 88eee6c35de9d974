namespace FastRouter.Tests.Support;

/// <summary>Splits an SSE body into its <c>data:</c> payloads, failing on anything vLLM would not send.</summary>
internal static class SseStream
{
    public static IReadOnlyList<string> DataPayloads(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var payloads = new List<string>();
        int position = 0;
        while (position < body.Length)
        {
            if (!body.AsSpan(position).StartsWith("data: ", StringComparison.Ordinal))
            {
                throw new FormatException($"Expected 'data: ' at {position}: {body[position..]}");
            }

            int end = body.IndexOf("\n\n", position, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new FormatException("Event not terminated by a blank line: " + body[position..]);
            }

            string payload = body[(position + 6)..end];
            if (payload.Contains('\n', StringComparison.Ordinal))
            {
                throw new FormatException("Multi-line event: " + payload);
            }

            payloads.Add(payload);
            position = end + 2;
        }

        return payloads;
    }
}
