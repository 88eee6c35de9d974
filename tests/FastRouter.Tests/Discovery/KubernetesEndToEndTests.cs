using System.Net;
using FastRouter.Tests.Support;
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
        await using DiscoveredPodPair pods = await DiscoveredPodPair.StartAsync(apiKey: Key);

        using HttpResponseMessage answer = await pods.PostChatAsync(ChatBody);

        Assert.Equal(["llama31-8b"], pods.Discovery.Current.Models);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        // Every /v1/* call carries it; vLLM leaves /health open, and the health prober's probes (whenever they fall
        // in this test) go without it.
        Assert.All(pods.Prefill.ReceivedRequests.Concat(pods.Decode.ReceivedRequests).Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)), r => Assert.Equal("Bearer " + Key, r.Authorization));
        Assert.Contains(pods.Prefill.ReceivedRequests, r => r.Path == "/v1/models");
    }

    [Fact]
    public async Task Router_RoutesThroughDiscoveredPods_And503sWhenDecodeIsUnready()
    {
        await using DiscoveredPodPair pods = await DiscoveredPodPair.StartAsync();
        Assert.Equal(["llama31-8b"], pods.Discovery.Current.Models);
        Assert.Equal("app in (prefill,decode)", pods.Api.Lists.First().LabelSelector);

        using (HttpResponseMessage answer = await pods.PostChatAsync(ChatBody))
        {
            string text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
            Assert.Contains("chat.completion", text, StringComparison.Ordinal);
        }

        Assert.Single(pods.Prefill.ReceivedRequests, r => r.Path.Contains("chat", StringComparison.Ordinal));
        Assert.Single(pods.Decode.ReceivedRequests, r => r.Path.Contains("chat", StringComparison.Ordinal));

        // The decode pod turns unready: no decode pod is left, and it is not called.
        pods.Api.ModifyPod("vllm-decode-0", pod => SetReady(pod, false));
        await KubernetesTestSupport.WaitUntilAsync(() => pods.Discovery.Current.DecodeCount == 0, "decode pod out of the table");
        int decodeCalls = pods.Decode.ReceivedRequests.Count;
        int prefillCalls = pods.Prefill.ReceivedRequests.Count;
        using (HttpResponseMessage refused = await pods.PostChatAsync(ChatBody))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("decode", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(decodeCalls, pods.Decode.ReceivedRequests.Count);
        Assert.Equal(prefillCalls, pods.Prefill.ReceivedRequests.Count);
    }
}
