using System.Globalization;
using System.Runtime.InteropServices;

namespace FastRouter.Simulation;

/// <summary>`fastrouter sim ...`: runs one simulated vLLM pod until Ctrl+C or SIGTERM.</summary>
internal static class SimulatorCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        SimulatorCommandLineResult parsed = SimulatorCommandLine.Parse(args);
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

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Handle the signals ourselves (and cancel their default "terminate now") so the listeners close cleanly.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        VllmSimulator simulator;
        try
        {
            simulator = await VllmSimulator.StartAsync(parsed.Options, stop.Token).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            await Console.Error.WriteLineAsync("fastrouter sim: cannot listen: " + exception.Message).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped while still starting: nothing is listening yet, and stopping is not an error.
            return 0;
        }

        await using (simulator.ConfigureAwait(false))
        {
            SimulatorOptions options = parsed.Options;
            string sideChannel = options.Role == SimulatorRole.Prefill
                ? string.Create(CultureInfo.InvariantCulture, $" (side channel {simulator.SideChannelPort})")
                : string.Empty;
            string role = options.Role == SimulatorRole.Prefill ? "prefill" : "decode";
            await Console.Out.WriteLineAsync(
                $"fastrouter sim: {role} pod on {simulator.BaseAddress.GetLeftPart(UriPartial.Authority)}{sideChannel}, model {options.Model}").ConfigureAwait(false);
            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C, SIGTERM or the caller: a normal stop.
            }

            await simulator.StopAsync().ConfigureAwait(false);
        }

        return 0;
    }
}
