using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Discovery.Kubernetes;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Discovery;

/// <summary>The fake API server (plain http, token user) and a discovery pointed at it through a temp kubeconfig.</summary>
internal sealed class DiscoveryFixture : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ILoggerFactory _loggerFactory;

    private DiscoveryFixture(FakeKubernetesApi api, RouterOptions options, TimeProvider time)
    {
        Api = api;
        Options = options;
        _loggerFactory = KubernetesTestSupport.LoggerFactoryFor(Logs);
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(_directory.Path, api.BaseAddress, "token: test-token");
        Discovery = new KubernetesDiscovery(options, KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)) with { TimeProvider = time }, _loggerFactory);
    }

    public FakeKubernetesApi Api { get; }

    public RouterOptions Options { get; }

    public KubernetesDiscovery Discovery { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public RoutingTable Table => Discovery.Current;

    /// <param name="time">The discovery's clock: a <c>ManualTimeProvider</c> holds its timers (drain polls, backoffs) until the test moves it.</param>
    public static async Task<DiscoveryFixture> CreateAsync(RouterOptions? options = null, bool start = true, Action<FakeKubernetesApi>? seed = null, TimeProvider? time = null)
    {
        FakeKubernetesApi api = await FakeKubernetesApi.StartAsync();
        seed?.Invoke(api);
        var fixture = new DiscoveryFixture(api, options ?? KubernetesTestSupport.Options(), time ?? TimeProvider.System);
        if (start)
        {
            await fixture.Discovery.StartAsync(CancellationToken.None);
        }

        return fixture;
    }

    public Task WaitUntilAsync(Func<RoutingTable, bool> condition, string what) =>
        KubernetesTestSupport.WaitUntilAsync(() => condition(Discovery.Current), what);

    public Task WaitForWatchAsync(int count = 1) =>
        KubernetesTestSupport.WaitUntilAsync(() => Api.ActiveWatches >= count, "an open watch");

    public bool Logged(int eventId) => Logs.Lines.Any(line => line.EventId.Id == eventId);

    public async ValueTask DisposeAsync()
    {
        await Discovery.DisposeAsync();
        await Api.DisposeAsync();
        _loggerFactory.Dispose();
        _directory.Dispose();
    }
}
