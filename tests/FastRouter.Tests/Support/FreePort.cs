using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FastRouter.Tests.Support;

/// <summary>
/// Ports for tests that must name one before something listens on it: a process of the AOT binary, a simulator on
/// 127.0.0.2, a port nobody listens on (to see a refused connection).
/// </summary>
/// <remarks>
/// A port the kernel hands out for port 0 and that the test then releases is not safe: the kernel hands the same
/// range out again, to the next port-0 listener and as the local port of every outgoing connection, and the suite
/// makes thousands of those in parallel. CI lost a run to that race (an AOT process failed to bind "address already in
/// use"). So ports come from just below the kernel's ephemeral range, which the kernel never assigns by itself, one
/// after another so that two tests never get the same one, each checked free on every address when handed out.
/// Every other port is skipped: a simulator started from the command line puts its KV side channel on its port + 1,
/// which must not be the next test's port.
/// </remarks>
internal static class FreePort
{
    /// <summary>How many ports below the ephemeral range the allocator walks before it wraps.</summary>
    private const int Span = 10_000;

    private static readonly int RangeEnd = EphemeralRangeStart();

    /// <summary>
    /// Starts at a place the process id picks, so that two suites running at once on one machine (two CI clones) walk
    /// different stretches.
    /// </summary>
    private static int _next = Environment.ProcessId % Span;

    /// <summary>A port free on every address right now, with the one after it, that no other caller in this process gets.</summary>
    public static int Get()
    {
        for (int attempt = 0; attempt < Span / 2; attempt++)
        {
            // Ends two below the range, so that port + 1 is below it too.
            int port = RangeEnd - Span - 2 + (Interlocked.Add(ref _next, 2) % Span);
            if (IsFree(port) && IsFree(port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port in the {Span} below {RangeEnd}");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // 0.0.0.0 collides with a socket bound to any IPv4 address, 127.0.0.2 included.
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The low end of Linux's ip_local_port_range (32768 unless an operator changed it).</summary>
    private static int EphemeralRangeStart()
    {
        const int LinuxDefault = 32768;
        try
        {
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            int end = range.IndexOfAny([' ', '\t']);
            int start = int.Parse(end < 0 ? range.Trim() : range[..end], CultureInfo.InvariantCulture);
            return start > Span + 1024 ? start : LinuxDefault;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return LinuxDefault;
        }
    }
}
