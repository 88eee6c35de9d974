using FastRouter.Configuration;
using FastRouter.Discovery;
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

        if (options.ServiceDiscovery == ServiceDiscoveryMode.Kubernetes)
        {
            await Console.Error.WriteLineAsync("fastrouter: error: --service-discovery k8s is not available in this build yet; use --service-discovery static.").ConfigureAwait(false);
            return 2;
        }

        if (options.Demo)
        {
            return await DemoEnvironment.RunAsync(options).ConfigureAwait(false);
        }

        var discovery = new StaticDiscovery(options);
        WebApplication app = RouterHost.Build(options, discovery);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
