using FastRouter.Configuration;
using FastRouter.Simulation;

namespace FastRouter.Hosting;

/// <summary>The process entry: `fastrouter sim ...` runs a simulated pod, anything else is the router.</summary>
public static class FastRouterProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "sim")
        {
            return await SimulatorCommand.RunAsync(args[1..], CancellationToken.None).ConfigureAwait(false);
        }

        CommandLineResult parsed = RouterCommandLine.Parse(args, Environment.GetEnvironmentVariable);
        if (parsed.Options is null)
        {
            if (parsed.Output is not null)
            {
                await Console.Out.WriteAsync(parsed.Output).ConfigureAwait(false);
            }

            if (parsed.Error is not null)
            {
                await Console.Error.WriteLineAsync(parsed.Error).ConfigureAwait(false);
            }

            return parsed.ExitCode;
        }

        return 0;
    }
}
