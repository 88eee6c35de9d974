using System.Text;

namespace FastRouter.Tests.Support;

/// <summary>An HTTP/1.1 response as read off a raw socket: its status, its header block and its body.</summary>
internal sealed record RawHttpResponse(int Status, string Headers, string Body)
{
    /// <summary>
    /// Parses the first response in <paramref name="bytes"/> (a Content-Length body); <paramref name="trailing"/> gets
    /// whatever the server sent after it, which must be nothing on a connection it closes.
    /// </summary>
    public static RawHttpResponse Parse(byte[] bytes, out int trailing)
    {
        string text = Encoding.Latin1.GetString(bytes);
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, "no complete response head in: " + text);
        string head = text[..headEnd];
        int status = int.Parse(head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        int length = 0;
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        int bodyStart = headEnd + 4;
        Assert.True(bytes.Length >= bodyStart + length, "the response body was cut short: " + text);
        trailing = bytes.Length - bodyStart - length;
        return new RawHttpResponse(status, head, Encoding.UTF8.GetString(bytes, bodyStart, length));
    }
}
