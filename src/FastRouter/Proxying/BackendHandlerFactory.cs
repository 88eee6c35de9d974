using System.Net;
using System.Net.Sockets;
using FastRouter.Configuration;

namespace FastRouter.Proxying;

/// <summary>Creates the connection pool for one backend pod, with the settings a proxy needs.</summary>
internal static class BackendHandlerFactory
{
    public static HttpMessageInvoker Create(RouterOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // A proxy forwards exactly: no environment proxy, no redirects, no cookies, bytes as compressed as they came.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.ConnectTimeout,

            // uvicorn (under vLLM) closes idle keep-alive connections after 5 s; reusing one it is closing fails
            // the request, so ours are retired first.
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,

            // Trace context is written by the router itself, not by the handler's Activity propagation.
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = true,

            // A response disposed before its end is never drained for reuse: its connection is closed at once. The
            // paths that dispose one unread all want the pod to stop: a decode answer whose client left (drained, a
            // pod would generate for nobody up to ResponseDrainTimeout, 2 s by default, at 20 ms a token well under
            // the default 1 MB), a release drain (closing makes a pod that has not pulled the KV yet abort and free
            // it), an error or oversized answer (the pod failed; its connection is not worth keeping). Happy paths
            // read every answer to its end, so their connections are reused as before.
            MaxResponseDrainSize = 0,

            // The default connect, with our own stream on top: see BackendConnectionStream.
            ConnectCallback = ConnectAsync,
        };

        // HttpMessageInvoker, not HttpClient: HttpClient adds buffering and a total timeout a stream must not have.
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new BackendConnectionStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
