using System.Net;
using System.Net.Sockets;

namespace FastRouter.Tests.Support;

/// <summary>Ports for tests that need one nobody listens on (to see a refused connection) or a fixed one.</summary>
internal static class FreePort
{
    /// <summary>A port the OS just handed out and released on <paramref name="address"/>: free at the time of the call.</summary>
    public static int Get(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
