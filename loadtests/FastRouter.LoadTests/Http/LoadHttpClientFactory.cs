using System.Net;

namespace FastRouter.LoadTests.Http;

/// <summary>
/// The one connection pool every worker shares. <see cref="HttpMessageInvoker"/> over
/// <see cref="SocketsHttpHandler"/> rather than HttpClient: no response buffering, no total timeout of its own
/// (each request carries <c>--timeout</c> through its token), and headers are returned before the body, so TTFT
/// is measured on the first bytes of the stream.
/// </summary>
internal static class LoadHttpClientFactory
{
    public static HttpMessageInvoker Create(int maxConnections) =>
        new(
            new SocketsHttpHandler
            {
                // One connection per request in flight: HTTP/1.1 cannot multiplex, and a cap would queue inside the
                // handler where the generator cannot see or time it.
                MaxConnectionsPerServer = Math.Max(maxConnections, 1),
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4),
                EnableMultipleHttp2Connections = true,
            },
            disposeHandler: true);
}
