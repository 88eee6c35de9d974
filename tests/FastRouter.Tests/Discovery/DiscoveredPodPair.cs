using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery.Kubernetes;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Tests.Support;
using FastRouter.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Discovery;

/// <summary>
/// The router in process with Kubernetes discovery, in front of a prefill and a decode simulator the fake API
/// server lists. Both pods listen on the same port on their own loopback address, as pods share --k8s-port; the
/// options are the seed's: --service-discovery=k8s --k8s-label-selector="app in (prefill,decode)"
/// --prefill-model-labels=prefill --decode-model-labels=decode --k8s-port=&lt;port&gt;.
/// </summary>
internal sealed class DiscoveredPodPair : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly WebApplication _app;

    private DiscoveredPodPair(VllmSimulator prefill, VllmSimulator decode, FakeKubernetesApi api, TempDirectory directory, ILoggerFactory loggerFactory, KubernetesDiscovery discovery, WebApplication app)
    {
        Prefill = prefill;
        Decode = decode;
        Api = api;
        _directory = directory;
        _loggerFactory = loggerFactory;
        Discovery = discovery;
        _app = app;
        Client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromSeconds(30) };
    }

    public VllmSimulator Prefill { get; }

    public VllmSimulator Decode { get; }

    public FakeKubernetesApi Api { get; }

    public KubernetesDiscovery Discovery { get; }

    public HttpClient Client { get; }

    /// <summary>Starts it all and waits until both pods are routable with their model known.</summary>
    /// <param name="apiKey">The VLLM_API_KEY the pods require and the router sends, or null for none.</param>
    public static async Task<DiscoveredPodPair> StartAsync(string? apiKey = null)
    {
        int port = FreePort.Get();
        VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill, Host = "127.0.0.2", Port = port, ApiKey = apiKey });
        VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, Host = "127.0.0.3", Port = port, ApiKey = apiKey });
        FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        api.SetPod(Pod("vllm-prefill-0", "127.0.0.2", "prefill"));
        api.SetPod(Pod("vllm-decode-0", "127.0.0.3", "decode"));
        var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: t");
        RouterOptions options = KubernetesTestSupport.Options(port: port) with { Host = "127.0.0.1", Port = 0, ConnectTimeout = TimeSpan.FromSeconds(5), BackendApiKey = apiKey };
        var logs = new CapturingLoggerProvider();
        ILoggerFactory loggerFactory = KubernetesTestSupport.LoggerFactoryFor(logs);
        var discovery = new KubernetesDiscovery(options, KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)), loggerFactory);
        WebApplication app = RouterHost.Build(options, discovery, logging => logging.AddProvider(logs));
        await app.StartAsync();
        var pair = new DiscoveredPodPair(prefill, decode, api, directory, loggerFactory, discovery, app);
        await KubernetesTestSupport.WaitUntilAsync(
            () => discovery.Current.PrefillCount == 1 && discovery.Current.DecodeCount == 1 && discovery.Current.Models.Length == 1,
            "both pods routable with their models known");
        return pair;
    }

    /// <summary>POSTs <paramref name="body"/> to <c>/v1/chat/completions</c>.</summary>
    public Task<HttpResponseMessage> PostChatAsync(string body) =>
        Client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _loggerFactory.Dispose();
        _directory.Dispose();
        await Api.DisposeAsync();
        await Decode.DisposeAsync();
        await Prefill.DisposeAsync();
    }
}
