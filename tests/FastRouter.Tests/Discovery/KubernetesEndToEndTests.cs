using System.Net;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery.Kubernetes;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Discovery;

/// <summary>The router with Kubernetes discovery, in front of two simulated vLLM pods the fake API server lists.</summary>
public sealed class KubernetesEndToEndTests
{
    private static readonly string ChatBody = RequestBodies.Chat(5);

    [Fact]
    public async Task PodsThatRequireVllmApiKey_HaveTheirModelsProbedWithIt_AndServe()
    {
        // production-stack's chart gives the router and the engines the same VLLM_API_KEY; vLLM then refuses
        // every /v1/* call without it, discovery's /v1/models probe included.
        const string Key = "chart-secret-0123456789";
        int port = FreePort.Get();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2", Port = port, ApiKey = Key });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, Host = "127.0.0.3", Port = port, ApiKey = Key });
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        api.SetPod(Pod("vllm-prefill-0", "127.0.0.2", "prefill"));
        api.SetPod(Pod("vllm-decode-0", "127.0.0.3", "decode"));
        using var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: t");
        RouterOptions options = KubernetesTestSupport.Options(port: port) with { Host = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(5), BackendApiKey = Key };
        var logs = new CapturingLoggerProvider();
        using ILoggerFactory loggerFactory = KubernetesTestSupport.LoggerFactoryFor(logs);
        var discovery = new KubernetesDiscovery(options, KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)), loggerFactory);
        WebApplication app = RouterHost.Build(options, discovery, logging => logging.AddProvider(logs));
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromSeconds(30) };
            await KubernetesTestSupport.WaitUntilAsync(
                () => discovery.Current.PrefillCount == 1 && discovery.Current.DecodeCount == 1 && discovery.Current.Models.Length == 1,
                "both pods routable with their models known");

            using HttpResponseMessage answer = await PostAsync(client);

            Assert.Equal(["llama31-8b"], discovery.Current.Models);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.All(prefill.ReceivedRequests.Concat(decode.ReceivedRequests), r => Assert.Equal("Bearer " + Key, r.Authorization));
            Assert.Contains(prefill.ReceivedRequests, r => r.Path == "/v1/models");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Router_RoutesThroughDiscoveredPods_And503sWhenDecodeIsUnready()
    {
        // Both pods listen on the same port on their own loopback address, as pods share --k8s-port.
        int port = FreePort.Get();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2", Port = port });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, Host = "127.0.0.3", Port = port });
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        api.SetPod(Pod("vllm-prefill-0", "127.0.0.2", "prefill"));
        api.SetPod(Pod("vllm-decode-0", "127.0.0.3", "decode"));
        using var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: t");

        // What the seed's args give: --service-discovery=k8s --k8s-label-selector="app in (prefill,decode)"
        // --prefill-model-labels=prefill --decode-model-labels=decode --k8s-port=<port>.
        RouterOptions options = KubernetesTestSupport.Options(port: port) with { Host = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(5) };
        var logs = new CapturingLoggerProvider();
        using ILoggerFactory loggerFactory = KubernetesTestSupport.LoggerFactoryFor(logs);
        var discovery = new KubernetesDiscovery(options, KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)), loggerFactory);
        WebApplication app = RouterHost.Build(options, discovery, logging => logging.AddProvider(logs));
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromSeconds(30) };
            await KubernetesTestSupport.WaitUntilAsync(
                () => discovery.Current.PrefillCount == 1 && discovery.Current.DecodeCount == 1 && discovery.Current.Models.Length == 1,
                "both pods routable with their models known");
            Assert.Equal(["llama31-8b"], discovery.Current.Models);
            Assert.Equal("app in (prefill,decode)", api.Lists.First().LabelSelector);

            using (HttpResponseMessage answer = await PostAsync(client))
            {
                string text = await answer.Content.ReadAsStringAsync();
                Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
                Assert.Contains("chat.completion", text, StringComparison.Ordinal);
            }

            Assert.Single(prefill.ReceivedRequests, r => r.Path.Contains("chat", StringComparison.Ordinal));
            Assert.Single(decode.ReceivedRequests, r => r.Path.Contains("chat", StringComparison.Ordinal));

            // The decode pod turns unready: no decode pod is left, and it is not called.
            api.ModifyPod("vllm-decode-0", pod => SetReady(pod, false));
            await KubernetesTestSupport.WaitUntilAsync(() => discovery.Current.DecodeCount == 0, "decode pod out of the table");
            int decodeCalls = decode.ReceivedRequests.Count;
            int prefillCalls = prefill.ReceivedRequests.Count;
            using (HttpResponseMessage refused = await PostAsync(client))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Contains("decode", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Equal(decodeCalls, decode.ReceivedRequests.Count);
            Assert.Equal(prefillCalls, prefill.ReceivedRequests.Count);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client) =>
        client.PostAsync("/v1/chat/completions", new StringContent(ChatBody, Encoding.UTF8, "application/json"));
}
