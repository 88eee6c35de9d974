using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace FastRouter.Tests.Support;

/// <summary>
/// A client that writes its whole request before it reads a byte of the answer, as Python's http.client and httpx
/// (under the openai SDK) do: a server that closes the connection while such a client still sends makes it fail with
/// a broken pipe instead of reading the answer. Raw sockets, so nothing reads behind the test's back.
/// </summary>
internal static class WriteThenReadClient
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// POSTs a completion body of <paramref name="bodyLength"/> bytes, with Content-Length or chunked, then reads to
    /// the end of the connection. Throws (IOException, SocketException) when the server cut it while it wrote.
    /// </summary>
    public static async Task<RawHttpResponse> PostAsync(Uri router, long bodyLength, bool chunked, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(router.Host, router.Port, cancel.Token);
        NetworkStream stream = client.GetStream();
        string framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + bodyLength.ToString(CultureInfo.InvariantCulture);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/completions HTTP/1.1\r\nHost: " + router.Authority + "\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n"), cancel.Token);

        byte[] chunk = BodyChunk();
        for (long sent = 0; sent < bodyLength; sent += ChunkSize)
        {
            int size = (int)Math.Min(ChunkSize, bodyLength - sent);
            if (chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancel.Token);
            }

            await stream.WriteAsync(chunk.AsMemory(0, size), cancel.Token);
            if (chunked)
            {
                await stream.WriteAsync("\r\n"u8.ToArray(), cancel.Token);
            }
        }

        if (chunked)
        {
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancel.Token);
        }

        return RawHttpResponse.Parse(await ReadToEndAsync(stream, cancel.Token), out _);
    }

    /// <summary>Everything the server sends until it closes the connection.</summary>
    public static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancellationToken);
        return received.ToArray();
    }

    /// <summary>Connects and sends the head of a completion request announcing <paramref name="contentLength"/> bytes.</summary>
    public static async Task<TcpClient> OpenAsync(Uri router, long contentLength, CancellationToken cancellationToken)
    {
        var client = new TcpClient();
        await client.ConnectAsync(router.Host, router.Port, cancellationToken);
        await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/completions HTTP/1.1\r\nHost: " + router.Authority + "\r\nContent-Type: application/json\r\nContent-Length: "
            + contentLength.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n"), cancellationToken);
        return client;
    }

    /// <summary>
    /// Reads, while the test writes, until the router closes or resets the connection: what came, and how long after
    /// the answer was complete the connection ended.
    /// </summary>
    public static async Task<(byte[] Received, TimeSpan AnsweredToClosed)> ReadUntilClosedAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        long answeredAt = 0;
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
                if (answeredAt == 0 && Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length).EndsWith('}'))
                {
                    answeredAt = Stopwatch.GetTimestamp();
                }
            }
        }
        catch (IOException)
        {
            // A reset: the router cut the connection.
        }

        Assert.True(answeredAt != 0, "no complete answer before the connection ended: " + Encoding.Latin1.GetString(received.ToArray()));
        return (received.ToArray(), Stopwatch.GetElapsedTime(answeredAt));
    }

    /// <summary>
    /// Announces a 10 GiB body and writes it as fast as the router takes it until the router cuts the connection:
    /// how much was sent, and what came back.
    /// </summary>
    public static async Task<(long Sent, byte[] Received)> SendUntilCutAsync(Uri router, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using TcpClient client = await OpenAsync(router, 10L * 1024 * 1024 * 1024, cancel.Token);
        NetworkStream stream = client.GetStream();
        Task<(byte[] Received, TimeSpan AnsweredToClosed)> reading = ReadUntilClosedAsync(stream, cancel.Token);
        long sent = 0;
        byte[] chunk = BodyChunk();
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (true)
            {
                await stream.WriteAsync(chunk, cancel.Token);
                sent += chunk.Length;
            }
        });

        (byte[] received, _) = await reading;
        return (sent, received);
    }

    /// <summary>A slice of a JSON prompt: 'a's, so the body is valid text however it is cut.</summary>
    public static byte[] BodyChunk()
    {
        byte[] chunk = new byte[ChunkSize];
        chunk.AsSpan().Fill((byte)'a');
        return chunk;
    }
}
