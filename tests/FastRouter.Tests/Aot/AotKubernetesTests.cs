using System.Globalization;
using System.Net;
using System.Text;
using FastRouter.Simulation;
using FastRouter.Tests.Discovery;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The binary started with the seed's exact Kubernetes arguments and a kubeconfig pointing at a fake API server
/// that lists simulator pods: it routes to them, follows them as they change, and survives the API server restarting.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotKubernetesTests(AotBinaryFixture fixture)
{
    // Each chat its own prompt: with the default affinity policy identical prompts would all go to one pod, and the
    // check that an unready pod gets nothing would hold even were it still routable.
    private static int _chats;

    [Fact]
    public async Task SeedArgs_WithKubeconfig_FollowPodsAndSurviveAnApiServerRestart()
    {
        int podPort = FreePort.Get();
        int routerPort = FreePort.Get();
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2", Port = podPort });
        await using VllmSimulator decodeA = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, Host = "127.0.0.3", Port = podPort });
        await using VllmSimulator decodeB = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, Host = "127.0.0.4", Port = podPort });
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        api.SetPod(Pod("prefill-0", "127.0.0.2", "prefill"));
        api.SetPod(Pod("decode-0", "127.0.0.3", "decode"));
        using var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: t");

        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig },
            "--host", "127.0.0.1",
            "--port", routerPort.ToString(CultureInfo.InvariantCulture),
            "--service-discovery=k8s",
            "--k8s-label-selector=app in (prefill,decode)",
            "--routing-logic=disaggregated_prefill_orchestrated",
            "--prefill-model-labels=prefill",
            "--decode-model-labels=decode",
            "--k8s-port=" + podPort.ToString(CultureInfo.InvariantCulture));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{routerPort}"), Timeout = TimeSpan.FromSeconds(20) };
        await router.WaitUntilServingAsync(client, "/livez");
        await router.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client));
        Assert.Equal("app in (prefill,decode)", api.Lists.First().LabelSelector);

        // The API server restarts: the router keeps its pods and keeps serving meanwhile, then watches again.
        await api.StopListeningAsync();
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client));
        await api.ResumeListeningAsync();

        // A second decode pod comes, the first goes unready: requests follow, and the unready pod gets none.
        api.SetPod(Pod("decode-1", "127.0.0.4", "decode"));
        api.ModifyPod("decode-0", pod => SetReady(pod, false));
        // Events reach the router within a moment, not instantly: wait until the new pod has served twice in a
        // row, then no request may reach the unready pod (were it still routable, some of the distinct prompts would rank it first).
        await KubernetesTestSupport.WaitUntilAsync(
            () =>
            {
                int before = Chats(decodeB);
                return ChatAsync(client).GetAwaiter().GetResult() == HttpStatusCode.OK
                    && ChatAsync(client).GetAwaiter().GetResult() == HttpStatusCode.OK
                    && Chats(decodeB) == before + 2;
            },
            "the new decode pod serving alone");
        int decodeABefore = Chats(decodeA);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await ChatAsync(client));
        }

        Assert.Equal(decodeABefore, Chats(decodeA));

        // Every decode pod leaves: no request is sent to a pod that is not ready; /readyz says so, while /health
        // stays 200 (the router works) and names the missing role.
        api.DeletePod("decode-1");
        api.ModifyPod("decode-0", pod => SetTerminating(pod));
        await router.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable);
        using (HttpResponseMessage health = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Contains("\"missing_roles\":[\"decode\"]", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        int decodeBBefore = Chats(decodeB);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ChatAsync(client));
        Assert.Equal(decodeBBefore, Chats(decodeB));
        Assert.Equal(decodeABefore, Chats(decodeA));
    }

    /// <summary>Completion requests a pod received (discovery's own /v1/models probes do not count).</summary>
    private static int Chats(VllmSimulator pod) => pod.ReceivedRequests.Count(r => r.Path == "/v1/chat/completions");

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.PostAsync("/v1/chat/completions", new StringContent(RequestBodies.Chat(4, content: "Hello " + Interlocked.Increment(ref _chats)), Encoding.UTF8, "application/json"));
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }
}
