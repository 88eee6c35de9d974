using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FastRouter.Simulation;
using FastRouter.Tests.Discovery;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The binary run as production-stack's Helm chart runs its router for a disaggregated release: the arguments
/// helm/templates/deployment-router.yaml renders, the model labels through routerSpec.extraArgs, VLLM_API_KEY from
/// the release's secret, and engine pods labelled as the chart labels them, listed by a fake API server.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotHelmChartTests(AotBinaryFixture fixture)
{
    private const string Key = "chart-secret-key-0123456789";
    private const string Namespace = "vllm-test";
    private const string PrefillModelSpec = "llama-prefill";
    private const string DecodeModelSpec = "llama-decode";

    // The chart sends no --k8s-port: production-stack's discovery, and ours, use 8000 in every pod.
    private const int EnginePort = 8000;

    [Fact]
    public async Task ChartArgs_ServeChatAndCompletions_WithTheKeyOnBothLegs_AndProbesStayGreenWhileDecodeIsReplaced()
    {
        // Each engine on its own loopback address (pods have their own IPs); a random block keeps parallel runs apart.
        string block = "127." + Random.Shared.Next(100, 250).ToString(CultureInfo.InvariantCulture) + "." + Random.Shared.Next(1, 250).ToString(CultureInfo.InvariantCulture) + ".";
        string prefillIp = block + "2", oldDecodeIp = block + "3", newDecodeIp = block + "4";
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(Engine(SimulatorRole.Prefill, prefillIp));
        await using VllmSimulator oldDecode = await VllmSimulator.StartAsync(Engine(SimulatorRole.Decode, oldDecodeIp));
        await using VllmSimulator newDecode = await VllmSimulator.StartAsync(Engine(SimulatorRole.Decode, newDecodeIp));
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        api.SetPod(ChartPod("test-llama-prefill-deployment-vllm-0", prefillIp, PrefillModelSpec));
        api.SetPod(ChartPod("test-llama-decode-deployment-vllm-0", oldDecodeIp, DecodeModelSpec));
        using var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: t", @namespace: null);
        int port = FreePort.Get();

        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig, ["VLLM_API_KEY"] = Key },
            "--host", "0.0.0.0",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--service-discovery", "k8s",
            "--k8s-namespace", Namespace,
            "--k8s-service-discovery-type", "pod-ip",
            "--k8s-label-selector", "environment=test,release=test",
            "--routing-logic", "disaggregated_prefill_orchestrated",
            "--engine-stats-interval", "15",
            "--request-stats-window", "60",
            "--prefill-model-labels", PrefillModelSpec,
            "--decode-model-labels", DecodeModelSpec);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await router.WaitUntilServingAsync(client, "/livez");
        await router.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK);

        await AssertServesAsync(client, "/v1/chat/completions", RequestBodies.Chat(4), "chat.completion");
        await AssertServesAsync(client, "/v1/chat/completions", RequestBodies.Chat(4, stream: true), "[DONE]");
        await AssertServesAsync(client, "/v1/completions", RequestBodies.Completion(4, prompt: "Hello"), "text_completion");
        await AssertServesAsync(client, "/v1/completions", RequestBodies.Completion(4, stream: true, prompt: "Hello"), "[DONE]");

        RecordedApiRequest list = api.Lists.First();
        Assert.Equal("environment=test,release=test", list.LabelSelector);
        Assert.Equal($"/api/v1/namespaces/{Namespace}/pods", list.Path);
        Assert.Equal(4, Completions(prefill).Count);
        Assert.Equal(4, Completions(oldDecode).Count);
        Assert.All(Completions(prefill).Concat(Completions(oldDecode)), r => Assert.Equal("Bearer " + Key, r.Authorization));

        // The decode pod is replaced (deleted, then a new one with another IP) while probes run as kubelet's do: a
        // new connection every 100 ms with a 1 s timeout. Liveness and startup (/health) must stay 200 throughout.
        using var probing = new CancellationTokenSource();
        var health = new ConcurrentQueue<int>();
        Task prober = ProbeAsync(port, "/health", health, probing.Token);
        await ProbedAsync(health, 5);
        api.DeletePod("test-llama-decode-deployment-vllm-0");
        await router.WaitForStatusAsync(client, "/readyz", HttpStatusCode.ServiceUnavailable);
        await ProbedAsync(health, 10);
        api.SetPod(ChartPod("test-llama-decode-deployment-vllm-1", newDecodeIp, DecodeModelSpec));
        await router.WaitForStatusAsync(client, "/readyz", HttpStatusCode.OK);
        await AssertServesAsync(client, "/v1/chat/completions", RequestBodies.Chat(4), "chat.completion");
        await ProbedAsync(health, 5);
        await probing.CancelAsync();
        await prober;

        int[] statuses = [.. health];
        Assert.True(statuses.Length >= 10, $"only {statuses.Length} probes ran");
        Assert.All(statuses, status => Assert.Equal(200, status));
        RecordedRequest replacementCall = Assert.Single(Completions(newDecode));
        Assert.Equal("Bearer " + Key, replacementCall.Authorization);
        Assert.Equal(4, Completions(oldDecode).Count);
    }

    private static SimulatorOptions Engine(SimulatorRole role, string ip) => new() { Role = role, Host = ip, Port = EnginePort, ApiKey = Key };

    /// <summary>An engine pod as the chart labels it: the release's servingEngineSpec.labels and model: modelSpec.name.</summary>
    private static JsonObject ChartPod(string name, string ip, string modelSpec)
    {
        JsonObject pod = Pod(name, ip, modelSpec);
        pod["metadata"]!["namespace"] = Namespace;
        pod["metadata"]!["labels"] = new JsonObject { ["environment"] = "test", ["release"] = "test", ["model"] = modelSpec, ["helm-release-name"] = "test" };
        return pod;
    }

    private static List<RecordedRequest> Completions(VllmSimulator pod) => [.. pod.ReceivedRequests.Where(r => r.Path.EndsWith("completions", StringComparison.Ordinal))];

    private static async Task AssertServesAsync(HttpClient client, string path, string body, string expected)
    {
        using HttpResponseMessage response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, path + ": " + text);
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    /// <summary>Lets the prober answer <paramref name="more"/> more probes: each phase is probed, however slow the machine.</summary>
    private static async Task ProbedAsync(ConcurrentQueue<int> statuses, int more)
    {
        int target = statuses.Count + more;
        Assert.True(await Eventually.TrueAsync(() => statuses.Count >= target), $"the prober stopped at {statuses.Count} probes");
    }

    /// <summary>GETs <paramref name="path"/> as kubelet's HTTP probe does until cancelled; 0 for no answer in 1 s.</summary>
    private static async Task ProbeAsync(int port, string path, ConcurrentQueue<int> statuses, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        using var probe = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(1) };
        while (!cancellationToken.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
            request.Headers.ConnectionClose = true;
            request.Headers.UserAgent.ParseAdd("kube-probe/1.31");
            try
            {
                using HttpResponseMessage response = await probe.SendAsync(request, CancellationToken.None);
                statuses.Enqueue((int)response.StatusCode);
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                statuses.Enqueue(0);
            }

            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
