using System.Net;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;
using FastRouter.Telemetry.ConsoleLog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Hosting;

/// <summary>
/// Builds the router's web host: bare Kestrel (no routing, no MVC) and one request delegate, so the
/// AOT binary stays small and starts fast.
/// </summary>
internal static class RouterHost
{
    /// <summary>The log category whose being enabled makes ASP.NET Core start a per-request Activity and log scope.</summary>
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>Builds the host around an existing discovery (tests, the demo).</summary>
    public static WebApplication Build(
        RouterOptions options,
        IBackendDiscovery discovery,
        Action<ILoggingBuilder>? configureLogging = null,
        TimeProvider? time = null,
        Stream? logOutput = null)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        return Build(options, (_, _) => discovery, configureLogging, time, logOutput);
    }

    /// <summary>
    /// Builds the host; <paramref name="createDiscovery"/> runs during the build with the host's logging, so its
    /// exceptions (missing Kubernetes credentials) surface from here. Unless <paramref name="configureLogging"/>
    /// replaces it, logging goes to the router's console logger, writing to <paramref name="logOutput"/> (standard
    /// output when null).
    /// </summary>
    public static WebApplication Build(
        RouterOptions options,
        Func<RouterOptions, ILoggerFactory, IBackendDiscovery> createDiscovery,
        Action<ILoggingBuilder>? configureLogging = null,
        TimeProvider? time = null,
        Stream? logOutput = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createDiscovery);
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
            kestrel.Limits.MaxRequestLineSize = options.MaxRequestLineBytes;
            Listen(kestrel, options.Host, options.Port);
        });

        // Inline, a request costs no thread-pool hop in and none out, and each relayed SSE event none either: router
        // CPU per paced SSE event fell from about 47 to 35 µs, with CPU per non-streaming request and router-added
        // TTFT unchanged (docs/benchmarks.md, "Runtime settings"). The router never blocks a thread, and its heaviest
        // synchronous step, scanning a 4 MB body, takes about 160 µs.
        builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = options.InlineIoScheduling);
        builder.Logging.SetMinimumLevel(options.LogLevel);

        // Kestrel's own per-connection chatter is not what an operator of a router wants at Information.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);

        // ASP.NET Core's hosting layer starts an Activity and a log scope for every request whenever its own log
        // category is enabled at any level, so that log lines can carry the request's trace id. Of our formats only
        // JSON lines print one (the text console writes no scopes), and the legs' traceparent does without it
        // (RouterTracing.TraceParentFor), so with text logs the category is off: 2.4 % less router CPU per request,
        // measured paired (docs/benchmarks.md, "Runtime settings").
        if (options.LogFormat != Telemetry.LogFormat.Json)
        {
            builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        }

        if (configureLogging is null)
        {
            // Ours, not AddSimpleConsole or AddConsole: lines formatted straight into UTF-8 and written in batches off
            // the request's thread, so the seed's per-request lines cost little at the default level (ConsoleLog).
            // Created by the container so that it is disposed, which writes what is still buffered, after the
            // services that log while they stop.
            TimeProvider logTime = time ?? TimeProvider.System;
            builder.Services.AddSingleton(_ => new RouterConsoleLoggerProvider(logOutput ?? Console.OpenStandardOutput(), options.LogFormat, logTime));
            builder.Services.AddSingleton<ILoggerProvider>(services => services.GetRequiredService<RouterConsoleLoggerProvider>());
        }
        else
        {
            configureLogging(builder.Logging);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton<PodHealthTracker>();
        builder.Services.AddSingleton<PodPicker>(services => new PodPicker(options, services.GetRequiredService<PodHealthTracker>(), metrics: services.GetRequiredService<Telemetry.RouterMetrics>()));
        builder.Services.AddSingleton<ConcurrencyGate>();
        builder.Services.AddSingleton<ApiKeyAuthenticator>();
        builder.Services.AddSingleton<RouterLifecycle>();
        builder.Services.AddSingleton<GracefulShutdown>();
        builder.Services.AddSingleton<IHostLifetime>(services => services.GetRequiredService<GracefulShutdown>());
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        if (options.ActiveHealthChecks)
        {
            builder.Services.AddSingleton<ActiveHealthProber>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ActiveHealthProber>());
        }

        builder.Services.AddSingleton(services => createDiscovery(options, services.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<OversizedBodyDiscarder>();
        builder.Services.AddSingleton<BufferBudget>();
        builder.Services.AddHostedService<LargeBufferReclaimer>();
        builder.Services.AddSingleton<OrchestratedProxy>();
        builder.Services.AddSingleton<ModelsEndpoint>();
        builder.Services.AddSingleton<HealthEndpoint>();
        builder.Services.AddSingleton<RouterEndpoints>();
        builder.Services.AddHostedService<DiscoveryStarter>();
        builder.Services.AddSingleton<Telemetry.RouterMetrics>();
        builder.Services.AddSingleton<Telemetry.MetricsEndpoint>();
        builder.Services.AddSingleton<Telemetry.EnginesEndpoint>();
        builder.Services.AddHostedService<Telemetry.PodObserver>();
        if (options.MetricsPort is not null)
        {
            builder.Services.AddSingleton<Telemetry.MetricsServer>();
            builder.Services.AddHostedService(services => services.GetRequiredService<Telemetry.MetricsServer>());
        }

        if (options.OtelEndpoint is not null)
        {
            builder.Services.AddSingleton<Telemetry.OtlpTraceExporter>();
            builder.Services.AddHostedService(services => services.GetRequiredService<Telemetry.OtlpTraceExporter>());
        }

        if (options.LogStats)
        {
            builder.Services.AddHostedService<Telemetry.StatsLogger>();
        }

        WebApplication app = builder.Build();
        RouterEndpoints endpoints = app.Services.GetRequiredService<RouterEndpoints>();
        app.Run(endpoints.HandleAsync);
        return app;
    }

    /// <summary>
    /// The process's life with a built host: logs the runtime settings (line 401), starts listening, runs
    /// <paramref name="started"/> (the demo's banner), waits for shutdown, disposes the host. Returns the exit code:
    /// 0 after a shutdown; 1 when it could not listen (the port is taken, or privileged), said on standard error in
    /// one line instead of an exception ending the process with an abort.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, RouterOptions options, Func<WebApplication, Task>? started = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using (app.ConfigureAwait(false))
        {
            RuntimeSettingsLog.Write(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RouterHost)), options, app.Services.GetRequiredService<BufferBudget>());
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException)
            {
                await Console.Error.WriteLineAsync("fastrouter: error: could not start listening: " + exception.Message).ConfigureAwait(false);
                return 1;
            }

            if (started is not null)
            {
                await started(app).ConfigureAwait(false);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The address the started host listens on, e.g. <c>http://127.0.0.1:40123</c> (port 0 resolved).</summary>
    public static Uri GetListenAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        IServerAddressesFeature? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        string first = addresses?.Addresses.FirstOrDefault() ?? throw new InvalidOperationException("The host is not listening.");
        return new Uri(first.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string host, int port)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address))
        {
            kestrel.Listen(address, port);
        }
        else
        {
            // A host name: bind what it resolves to, as uvicorn does with getaddrinfo.
            foreach (IPAddress resolved in Dns.GetHostAddresses(host))
            {
                kestrel.Listen(resolved, port);
            }
        }
    }
}
