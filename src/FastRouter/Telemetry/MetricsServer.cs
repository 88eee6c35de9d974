using System.Net;
using FastRouter.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Telemetry;

/// <summary>
/// --metrics-port: a second bare Kestrel serving only <c>GET /metrics</c> (and <c>/health</c>-free 404s otherwise),
/// so scrapes can be allowed by a NetworkPolicy that keeps clients off, and never queue behind client traffic.
/// </summary>
internal sealed class MetricsServer : IHostedService, IAsyncDisposable
{
    private readonly RouterOptions _options;
    private readonly MetricsEndpoint _endpoint;
    private WebApplication? _app;

    public MetricsServer(RouterOptions options, MetricsEndpoint endpoint)
    {
        _options = options;
        _endpoint = endpoint;
    }

    /// <summary>The address it listens on once started (port resolved), for tests.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.ClearProviders();
        int port = _options.MetricsPort ?? 0;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (IPAddress.TryParse(_options.Host.Trim('[', ']'), out IPAddress? address))
            {
                kestrel.Listen(address, port);
            }
            else
            {
                kestrel.ListenAnyIP(port);
            }
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        string? first = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = first is null ? null : new Uri(first.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.Value == "/metrics")
        {
            return _endpoint.HandleAsync(context);
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }
}
