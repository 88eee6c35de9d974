using System.Net;
using System.Net.Sockets;
using System.Text;
using FastRouter.Protocol;
using FastRouter.Proxying;
using FastRouter.Tests.Support;

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
        await using var link = await LoopbackLink.OpenAsync();
        BackendConnectionStream connection = link.Connection;
        var first = new SegmentedContent(Body("{\"a\":1}"));
        var second = new SegmentedContent(Body("{\"b\":2}"));
        byte[] buffer = new byte[4096];

        await first.CopyToAsync(connection);
        Assert.Same(connection, first.Transport);
        Assert.False(connection.IsReceivingAnswerTo(first)); // nothing of the answer known yet

        await link.SendAndReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", buffer);
        Assert.True(connection.IsReceivingAnswerTo(first));
        Assert.False(connection.IsReceivingAnswerTo(second));

        await link.SendAndReadAsync("0\r\n\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(first)); // the last chunk is in: no more bytes will come

        await second.CopyToAsync(connection);
        await link.SendAndReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(first)); // the connection carries another body's answer now
        Assert.True(connection.IsReceivingAnswerTo(second));

        await link.SendAndReadAsync("0\r", buffer);
        Assert.True(connection.IsReceivingAnswerTo(second)); // the last chunk's line is not complete yet
        await link.SendAndReadAsync("\n\r\n", buffer);
        Assert.False(connection.IsReceivingAnswerTo(second)); // now it is, split across two reads
    }

    [Fact]
    public async Task IsReceivingAnswerTo_StaysFalse_WhenFewerThanFourBytesFollowAnUnknownTail()
    {
        await using var link = await LoopbackLink.OpenAsync();
        BackendConnectionStream connection = link.Connection;
        var content = new SegmentedContent(Body("{}"));
        await content.CopyToAsync(connection);

        // A fresh connection knows nothing of the byte before these three, so it cannot tell whether they end a
        // CR LF CR LF: it must not wait on the socket.
        await link.SendAndReadAsync("a\r\n", buffer: new byte[16]);
        Assert.False(connection.IsReceivingAnswerTo(content));
    }

    [Fact]
    public async Task WaitForDataAsync_CompletesWhenBytesArrive_WithoutReadingThem()
    {
        await using var link = await LoopbackLink.OpenAsync();
        BackendConnectionStream connection = link.Connection;

        ValueTask<int> wait = connection.WaitForDataAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        await link.Pod.SendAsync("data"u8.ToArray());
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        byte[] buffer = new byte[16];
        int read = await connection.ReadAsync(buffer);
        Assert.Equal("data", Encoding.ASCII.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task AWriteThatThrows_DoesNotLeaveItsBodyMarked_ForTheNextWriteOnTheThread()
    {
        await using var link = await LoopbackLink.OpenAsync();
        var content = new SegmentedContent(Body("{}"));

        // The write fails synchronously, inside the marked call; the next write on this thread (as HttpClient writes
        // another request's headers) must not be taken for this body's.
        HttpRequestException failed = await Assert.ThrowsAsync<HttpRequestException>(() => content.CopyToAsync(new ThrowingStream()));
        Assert.IsType<IOException>(failed.InnerException);
        await link.Connection.WriteAsync("POST / HTTP/1.1\r\n\r\n"u8.ToArray());
        await link.SendAndReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", new byte[4096]);

        Assert.False(link.Connection.IsReceivingAnswerTo(content));
    }

    private static BodySegments Body(string json)
    {
        var body = new BodySegments();
        body.Add(Encoding.UTF8.GetBytes(json));
        return body;
    }

    /// <summary>A connection to a pod whose write fails at once, before returning a task.</summary>
    private sealed class ThrowingStream : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("The pod went away.");
    }

    /// <summary>A <see cref="BackendConnectionStream"/> over a real loopback connection, and the pod's end of it.</summary>
    private sealed class LoopbackLink : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Socket _router;

        private LoopbackLink(TcpListener listener, Socket router, Socket pod)
        {
            _listener = listener;
            _router = router;
            Pod = pod;
            Connection = new BackendConnectionStream(router);
        }

        public Socket Pod { get; }

        public BackendConnectionStream Connection { get; }

        public static async Task<LoopbackLink> OpenAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var router = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await router.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            Socket pod = await listener.AcceptSocketAsync();
            return new LoopbackLink(listener, router, pod);
        }

        /// <summary>
        /// The pod sends; once the bytes are in the router's socket, the router side reads them, as HttpClient's fill
        /// would after the relay's wait: a read that completes at once, which is the kind the stream follows.
        /// </summary>
        public async Task SendAndReadAsync(string text, byte[] buffer)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            await Pod.SendAsync(bytes);
            Assert.True(await Eventually.TrueAsync(() => _router.Available >= bytes.Length), "the pod's bytes never reached the router's socket");

            int total = 0;
            while (total < bytes.Length)
            {
                total += await Connection.ReadAsync(buffer.AsMemory(total));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            Pod.Dispose();
            _listener.Stop();
            _listener.Dispose();
        }
    }
}
