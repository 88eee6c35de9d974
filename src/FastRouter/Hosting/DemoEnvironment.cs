using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Simulation;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Hosting;

/// <summary>
/// `fastrouter --demo`: one simulated prefill pod and one simulated decode pod in-process, and the router in
/// front of them, so a newcomer sees the whole flow with one command and no accelerator.
/// </summary>
internal static class DemoEnvironment
{
    public const string Model = "llama31-8b";

    public static async Task<int> RunAsync(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Latencies of protocol.md §7 (prefill ≈ 15 ms + prompt/35k tok/s), with a slower inter-token gap so
        // tokens visibly trickle in a terminal.
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Prefill,
            Model = Model,
            PrefillBaseLatency = TimeSpan.FromMilliseconds(15),
            PrefillTokensPerSecond = 35_000,
        }).ConfigureAwait(false);
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions
        {
            Role = SimulatorRole.Decode,
            Model = Model,
            InterTokenLatency = TimeSpan.FromMilliseconds(40),
            DefaultMaxTokens = 32,
        }).ConfigureAwait(false);

        RouterOptions demo = WithSimulators(options, prefill.BaseAddress, decode.BaseAddress);
        var discovery = new StaticDiscovery(demo);
        WebApplication app = RouterHost.Build(demo, discovery);
        return await RouterHost.RunAsync(app, demo, started => Console.Out.WriteAsync(Banner(RouterHost.GetListenAddress(started), prefill, decode))).ConfigureAwait(false);
    }

    /// <summary>The options the demo routes with: the two simulators as labelled static backends.</summary>
    internal static RouterOptions WithSimulators(RouterOptions options, Uri prefill, Uri decode) => options with
    {
        ServiceDiscovery = ServiceDiscoveryMode.Static,
        StaticBackends = [new StaticBackendOptions(prefill, Model, "prefill"), new StaticBackendOptions(decode, Model, "decode")],
        HasStaticModels = true,
        PrefillModelLabels = ["prefill"],
        DecodeModelLabels = ["decode"],
    };

    private static string Banner(Uri router, VllmSimulator prefill, VllmSimulator decode)
    {
        string url = router.GetLeftPart(UriPartial.Authority).Replace("0.0.0.0", "localhost", StringComparison.Ordinal);
        return $"""

            FastRouter demo
              prefill pod (simulated): {prefill.BaseAddress} (KV side channel port {prefill.SideChannelPort})
              decode pod (simulated):  {decode.BaseAddress}
              router:                  {url}

            Try it:
              curl {url}/v1/chat/completions -H 'Content-Type: application/json' \
                -d '{"{"}"model":"{Model}","messages":[{"{"}"role":"user","content":"Hello"{"}"}],"max_tokens":20{"}"}'

              curl -N {url}/v1/chat/completions -H 'Content-Type: application/json' \
                -d '{"{"}"model":"{Model}","messages":[{"{"}"role":"user","content":"Hello"{"}"}],"stream":true{"}"}'

            Ctrl+C stops everything.

            """;
    }
}
