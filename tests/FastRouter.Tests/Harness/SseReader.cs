using System.Text;

namespace FastRouter.Tests.Harness;

/// <summary>Reads an SSE body event by event, as a streaming OpenAI client does.</summary>
internal static class SseReader
{
    /// <summary>The payload of every <c>data:</c> event, in order, [DONE] included.</summary>
    public static async Task<List<string>> ReadAllDataAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return Parse(text);
    }

    public static List<string> Parse(string text)
    {
        var events = new List<string>();
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var data = new StringBuilder();
            foreach (string line in block.Split('\n'))
            {
                Assert.StartsWith("data: ", line, StringComparison.Ordinal);
                data.Append(line["data: ".Length..]);
            }

            events.Add(data.ToString());
        }

        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        return events;
    }
}
