using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Hosting;

/// <summary>
/// `fastrouter --demo`: one simulated prefill pod and one simulated decode pod in-process, and the router in
/// front of them, so a newcomer sees the whole flow with one command and no accelerator.
/// </summary>
internal static class DemoEnvironment
{
    public const string Model = "llama31-8b";

    public static async Task<int> RunAsync(RouterOptions options, Func<string, Task<DemoPods>> startDemoPods)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(startDemoPods);
        DemoPods pods = await startDemoPods(Model).ConfigureAwait(false);
        await using (pods.Owner.ConfigureAwait(false))
        {
            RouterOptions demo = WithSimulators(options, pods.Prefill, pods.Decode);
            var discovery = new StaticDiscovery(demo);
            WebApplication app = RouterHost.Build(demo, discovery);
            return await RouterHost.RunAsync(app, demo, started => Console.Out.WriteAsync(Banner(RouterHost.GetListenAddress(started), pods))).ConfigureAwait(false);
        }
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

    private static string Banner(Uri router, DemoPods pods)
    {
        string url = router.GetLeftPart(UriPartial.Authority).Replace("0.0.0.0", "localhost", StringComparison.Ordinal);
        return $"""

            FastRouter demo
            {pods.Description}
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
