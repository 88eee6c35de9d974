using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Discovery.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace FastRouter.Hosting;

/// <summary>
/// The process entry: `fastrouter sim ...` runs a simulated pod, anything else is the router. The simulator lives in
/// its own project, so the executable hands it in: <paramref name="runSimulator"/> for `sim`, and
/// <paramref name="startDemoPods"/> (given the model name) for `--demo`.
/// </summary>
public static class FastRouterProgram
{
    public static async Task<int> RunAsync(string[] args, Func<string[], CancellationToken, Task<int>> runSimulator, Func<string, Task<DemoPods>> startDemoPods)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(runSimulator);
        ArgumentNullException.ThrowIfNull(startDemoPods);
        InlineSocketCompletions.EnableUnlessSet();
        if (args.Length > 0 && args[0] == "sim")
        {
            using var stop = new ConsoleStopSignal();
            return await runSimulator(args[1..], stop.Token).ConfigureAwait(false);
        }

        CommandLineResult parsed = RouterCommandLine.Parse(args, Environment.GetEnvironmentVariable);
        if (parsed.Output is not null)
        {
            await Console.Out.WriteAsync(parsed.Output).ConfigureAwait(false);
        }

        if (parsed.Error is not null)
        {
            await Console.Error.WriteLineAsync(parsed.Error).ConfigureAwait(false);
        }

        foreach (string warning in parsed.Warnings)
        {
            // Each warning already starts with "fastrouter: warning: " (CommandLineResult.Warnings).
            await Console.Error.WriteLineAsync(warning).ConfigureAwait(false);
        }

        if (parsed.Options is not { } options)
        {
            return parsed.ExitCode;
        }

        options = options with { InlineIoScheduling = InlineSocketCompletions.IsEnabled };
        SocketThreads.Apply(options.SocketThreads);
        if (options.Demo)
        {
            return await DemoEnvironment.RunAsync(options, startDemoPods).ConfigureAwait(false);
        }

        WebApplication app;
        try
        {
            // Credentials are loaded while the host is built, so a router without any exits at once; the API server
            // itself may be unreachable: discovery retries in the background and /health answers 503 meanwhile.
            app = RouterHost.Build(options, CreateDiscovery);
        }
        catch (KubernetesConfigurationException exception)
        {
            await Console.Error.WriteLineAsync("fastrouter: error: " + exception.Message).ConfigureAwait(false);
            return 2;
        }

        return await RouterHost.RunAsync(app, options).ConfigureAwait(false);
    }

    private static IBackendDiscovery CreateDiscovery(RouterOptions options, ILoggerFactory loggerFactory) =>
        options.ServiceDiscovery == ServiceDiscoveryMode.Kubernetes
            ? KubernetesDiscovery.CreateForProcess(options, loggerFactory)
            : new StaticDiscovery(options);
}
