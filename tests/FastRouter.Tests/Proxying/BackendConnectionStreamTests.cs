using System.Net;
using System.Net.Sockets;
using System.Text;
using FastRouter.Protocol;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// When the decode relay may wait on the socket itself: only while the connection carries the answer to its own
/// body and that answer's last chunk has not been received. Over a real loopback connection.
/// </summary>
public sealed class BackendConnectionStreamTests
{
    [Fact]
    public async Task IsReceivingAnswerTo_FollowsTheBodyWrittenAndTheAnswersEnd()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using Socket pod = await listener.AcceptSocketAsync();
        await using var connection = new BackendConnectionStream(socket);
        var first = new SegmentedContent(Body("{\"a\":1}"));
        var second = new SegmentedContent(Body("{\"b\":2}"));
        byte[] buffer = new byte[4096];

        await first.CopyToAsync(connection);
        Assert.Same(connection, first.Transport);
        Assert.False(connection.IsReceivingAnswerTo(first)); // nothing of the answer known yet

        await SendAndReadAsync(pod, socket, connection, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", buffer);
        Assert.True(connection.IsReceivingAnswerTo(first));
        Assert.False(connection.IsReceivingAnswerTo(second));

        await SendAndReadAsync(pod, socket, connection, "0\r\n\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(first)); // the last chunk is in: no more bytes will come

        await second.CopyToAsync(connection);
        await SendAndReadAsync(pod, socket, connection, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(first)); // the connection carries another body's answer now
        Assert.True(connection.IsReceivingAnswerTo(second));

        await SendAndReadAsync(pod, socket, connection, "0\r", buffer);
        Assert.True(connection.IsReceivingAnswerTo(second)); // the last chunk's line is not complete yet
        await SendAndReadAsync(pod, socket, connection, "\n\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(second)); // now it is, split across two reads
    }

    [Fact]
    public async Task IsReceivingAnswerTo_StaysFalse_WhenFewerThanFourBytesFollowAnUnknownTail()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using Socket pod = await listener.AcceptSocketAsync();
        await using var connection = new BackendConnectionStream(socket);
        var content = new SegmentedContent(Body("{}"));
        await content.CopyToAsync(connection);

        // A fresh connection knows nothing of the byte before these three, so it cannot tell whether they end a
        // CR LF CR LF: it must not wait on the socket.
        await SendAndReadAsync(pod, socket, connection, "a\r\n", buffer: new byte[16]);
        Assert.False(connection.IsReceivingAnswerTo(content));
    }

    [Fact]
    public async Task WaitForDataAsync_CompletesWhenBytesArrive_WithoutReadingThem()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using Socket pod = await listener.AcceptSocketAsync();
        await using var connection = new BackendConnectionStream(socket);

        ValueTask<int> wait = connection.WaitForDataAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        await pod.SendAsync("data"u8.ToArray());
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        byte[] buffer = new byte[16];
        int read = await connection.ReadAsync(buffer);
        Assert.Equal("data", Encoding.ASCII.GetString(buffer, 0, read));
    }

    private static BodySegments Body(string json)
    {
        var body = new BodySegments();
        body.Add(Encoding.UTF8.GetBytes(json));
        return body;
    }

    /// <summary>
    /// The pod sends; once the bytes are in the router's socket, the router side reads them, as HttpClient's fill would
    /// after the relay's wait: a read that completes at once, which is the kind the stream follows.
    /// </summary>
    private static async Task SendAndReadAsync(Socket pod, Socket router, BackendConnectionStream connection, string text, byte[] buffer)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        await pod.SendAsync(bytes);
        while (router.Available < bytes.Length)
        {
            await Task.Delay(1);
        }

        int total = 0;
        while (total < bytes.Length)
        {
            total += await connection.ReadAsync(buffer.AsMemory(total));
        }
    }
}
