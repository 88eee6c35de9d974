using FastRouter.Hosting;
using FastRouter.Simulation;

namespace FastRouter.Aot;

/// <summary>The demo's pods: one simulated prefill pod and one simulated decode pod, in-process.</summary>
internal static class SimulatedDemoPods
{
    public static async Task<DemoPods> StartAsync(string model)
    {
        // Latencies of protocol.md §7 (prefill ≈ 15 ms + prompt/35k tok/s), with a slower inter-token gap so
        // tokens visibly trickle in a terminal.
        VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Prefill,
            Model = model,
            PrefillBaseLatency = TimeSpan.FromMilliseconds(15),
            PrefillTokensPerSecond = 35_000,
        }).ConfigureAwait(false);
        VllmSimulator decode;
        try
        {
            decode = await VllmSimulator.StartAsync(new SimulatorOptions
            {
                Role = SimulatorRole.Decode,
                Model = model,
                InterTokenLatency = TimeSpan.FromMilliseconds(40),
                DefaultMaxTokens = 32,
            }).ConfigureAwait(false);
        }
        catch
        {
            await prefill.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        string description = $"""
              prefill pod (simulated): {prefill.BaseAddress} (KV side channel port {prefill.SideChannelPort})
              decode pod (simulated):  {decode.BaseAddress}
            """;
        return new DemoPods(prefill.BaseAddress, decode.BaseAddress, description.TrimEnd('\n'), new Both(prefill, decode));
    }

    private sealed class Both(VllmSimulator prefill, VllmSimulator decode) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await decode.DisposeAsync().ConfigureAwait(false);
            await prefill.DisposeAsync().ConfigureAwait(false);
        }
    }
}
