using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastRouter.Tests.Support;

/// <summary>
/// A pod on a raw socket whose answers are written by the test byte for byte, so it controls how an answer is cut
/// into TCP writes (where the last chunk falls, pauses between events), when it answers, and whether it keeps a
/// connection open after the router has shut its side.
/// </summary>
internal sealed class ScriptedPod : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<NetworkStream, ScriptedRequest, Task> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly Task _accepting;
    private int _requests;
    private int _connectionCount;

    /// <param name="answer">Writes the answer to the request its second argument describes.</param>
    public ScriptedPod(Func<NetworkStream, ScriptedRequest, Task> answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Requests read so far, on all connections.</summary>
    public int RequestCount => _bodies.Count;

    /// <summary>The bodies of the requests read so far, in the order they were read.</summary>
    public IReadOnlyList<string> Bodies => [.. _bodies];

    public static byte[] Chunk(string data) => Encoding.ASCII.GetBytes($"{Encoding.UTF8.GetByteCount(data):x}\r\n{data}\r\n");

    public static byte[] Event(string json) => Chunk("data: " + json + "\n\n");

    /// <summary>A whole JSON answer with its Content-Length, as vLLM writes a non-streaming one.</summary>
    public static byte[] JsonAnswer(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
    }

    public static readonly byte[] Headers = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray();

    public static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    public static async Task WriteAsync(NetworkStream stream, params byte[][] parts)
    {
        // One write for all parts: they leave in one segment, as a pod writing them together would send them.
        byte[] joined = [.. parts.SelectMany(p => p)];
        await stream.WriteAsync(joined);
        await stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll([_accepting, .. _connections]).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            lock (_connections)
            {
                _connections.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        byte[] buffer = new byte[64 * 1024];
        int filled = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // Read one request: headers, then Content-Length bytes of body.
                int headerEnd;
                while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    int read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                string head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
                int length = 0;
                foreach (string line in head.Split("\r\n"))
                {
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    {
                        length = int.Parse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }

                int total = headerEnd + 4 + length;
                while (filled < total)
                {
                    int read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                }

                string body = Encoding.UTF8.GetString(buffer, headerEnd + 4, length);
                var request = new ScriptedRequest(Interlocked.Increment(ref _requests) - 1, head, body);
                _bodies.Enqueue(body);
                buffer.AsSpan(total, filled - total).CopyTo(buffer);
                filled -= total;
                await _answer(stream, request);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The router or the test closed the connection.
        }
    }
}
