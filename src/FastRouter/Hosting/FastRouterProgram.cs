using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Discovery.Kubernetes;
using FastRouter.Simulation;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Hosting;

/// <summary>The process entry: `fastrouter sim ...` runs a simulated pod, anything else is the router.</summary>
public static class FastRouterProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "sim")
        {
            using var stop = new ConsoleStopSignal();
            return await SimulatorCommand.RunAsync(args[1..], stop.Token).ConfigureAwait(false);
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
            await Console.Error.WriteLineAsync("fastrouter: warning: " + warning).ConfigureAwait(false);
        }

        if (parsed.Options is not { } options)
        {
            return parsed.ExitCode;
        }

        if (options.Demo)
        {
            return await DemoEnvironment.RunAsync(options).ConfigureAwait(false);
        }

        IBackendDiscovery discovery;
        if (options.ServiceDiscovery == ServiceDiscoveryMode.Kubernetes)
        {
            try
            {
                // Credentials are loaded now, so a router without any exits at once; the API server itself may be
                // unreachable: discovery retries in the background and /health reports it not synchronized.
                discovery = KubernetesDiscovery.CreateForProcess(options);
            }
            catch (KubernetesConfigurationException exception)
            {
                await Console.Error.WriteLineAsync("fastrouter: error: " + exception.Message).ConfigureAwait(false);
                return 2;
            }
        }
        else
        {
            discovery = new StaticDiscovery(options);
        }

        WebApplication app = RouterHost.Build(options, discovery);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
