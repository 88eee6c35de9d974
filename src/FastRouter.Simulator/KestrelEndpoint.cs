using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FastRouter.Simulation;

/// <summary>
/// One bare Kestrel listener with a single terminal request delegate: no routing, no MVC, no logging providers,
/// which keeps it AOT-clean and cheap. The simulator's API port and its side channel each get one.
/// </summary>
internal sealed class KestrelEndpoint : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private Task? _stopping;

    private KestrelEndpoint(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The bound port (the ephemeral one when 0 was asked for).</summary>
    public int Port { get; }

    public static async Task<KestrelEndpoint> StartAsync(string host, int port, TimeSpan keepAliveTimeout, RequestDelegate handler, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        IPAddress address = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, DetachedHostLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.KeepAliveTimeout = keepAliveTimeout;

            // As vLLM's uvicorn, no body limit: Kestrel's default (30,000,000 bytes) is below the router's 32 MiB, and
            // a body the router accepts must reach the pod.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(address, port);
        });
        WebApplication app = builder.Build();
        app.Run(handler);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new KestrelEndpoint(app, BoundPort(app, port));
    }

    /// <summary>Stops listening (later connections are refused) and ends open connections; safe to call twice.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StopCoreAsync()
    {
        // Requests still running after the grace period are aborted by Kestrel when the token fires.
        using var grace = new CancellationTokenSource(ShutdownGrace);
        try
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The grace period ran out; Kestrel has closed what was left.
        }
    }

    private static int BoundPort(WebApplication app, int requested)
    {
        foreach (string url in app.Urls)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && uri.Port > 0)
            {
                return uri.Port;
            }
        }

        return requested > 0
            ? requested
            : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Kestrel reported no bound address ({app.Urls.Count} urls)."));
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        string trimmed = host.Trim('[', ']');
        if (IPAddress.TryParse(trimmed, out IPAddress? address))
        {
            return address;
        }

        if (trimmed is "*" or "+")
        {
            return IPAddress.Any;
        }

        if (string.Equals(trimmed, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        IPAddress[] addresses = await Dns.GetHostAddressesAsync(trimmed, cancellationToken).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses[0] : throw new ArgumentException($"Host '{host}' resolves to no address.", nameof(host));
    }
}
