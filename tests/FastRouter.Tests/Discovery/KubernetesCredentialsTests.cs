using FastRouter.Discovery.Kubernetes;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Discovery;

/// <summary>Where credentials come from: kubeconfig (token, client certificate) and the in-cluster service account.</summary>
public sealed class KubernetesCredentialsTests
{
    [Fact]
    public async Task Kubeconfig_TokenUser_SendsTheToken_AndUsesTheContextNamespace()
    {
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync(new FakeKubernetesApiOptions { RequiredToken = "kube-token" });
        api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
        using var directory = new TempDirectory();
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(directory.Path, api.BaseAddress, "token: kube-token", @namespace: "team-b");

        await using var discovery = new KubernetesDiscovery(KubernetesTestSupport.Options(), KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)));
        await discovery.StartAsync(CancellationToken.None);

        await KubernetesTestSupport.WaitUntilAsync(() => discovery.Current.DecodeCount == 1, "decode pod");
        Assert.All(api.Requests, r => Assert.Equal("Bearer kube-token", r.Authorization));
        Assert.StartsWith("/api/v1/namespaces/team-b/pods", api.Requests.First().Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubeconfig_ClientCertificateUser_OverHttps()
    {
        using var certificates = new TestCertificates();
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync(new FakeKubernetesApiOptions
        {
            ServerCertificate = certificates.Server,
            ClientCertificateAuthority = certificates.Authority,
        });
        api.SetPod(Pod("prefill-0", "127.0.0.11", "prefill"));
        using var directory = new TempDirectory();
        string user = "client-certificate-data: " + KubernetesTestSupport.Base64(certificates.ClientPem) + "\n"
            + "client-key-data: " + KubernetesTestSupport.Base64(certificates.ClientKeyPem);
        string kubeconfig = KubernetesTestSupport.WriteKubeconfig(
            directory.Path, api.BaseAddress, user, clusterExtra: "certificate-authority-data: " + KubernetesTestSupport.Base64(certificates.AuthorityPem));

        // --k8s-namespace wins over the context's namespace.
        await using var discovery = new KubernetesDiscovery(
            KubernetesTestSupport.Options(@namespace: "explicit"), KubernetesTestSupport.Settings(KubernetesTestSupport.KubeconfigEnvironment(kubeconfig)));
        await discovery.StartAsync(CancellationToken.None);

        await KubernetesTestSupport.WaitUntilAsync(() => discovery.Current.PrefillCount == 1, "prefill pod over mutual TLS");
        Assert.Contains("CN=fastrouter-test", api.LastClientCertificateSubject, StringComparison.Ordinal);
        Assert.StartsWith("/api/v1/namespaces/explicit/pods", api.Requests.First().Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InCluster_TokenAndCaFiles_TokenRotationIsPickedUp()
    {
        using var certificates = new TestCertificates();
        await using FakeKubernetesApi api = await FakeKubernetesApi.StartAsync(new FakeKubernetesApiOptions { ServerCertificate = certificates.Server });
        api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
        using var directory = new TempDirectory();
        string tokenPath = Path.Combine(directory.Path, "token");
        await File.WriteAllTextAsync(tokenPath, "token-1\n");
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "ca.crt"), certificates.AuthorityPem);
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "namespace"), "serving");
        var environment = new KubernetesEnvironment
        {
            ServiceHost = "127.0.0.1",
            ServicePort = api.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ServiceAccountDirectory = directory.Path,
            KubeconfigVariable = Path.Combine(directory.Path, "absent-kubeconfig"),
        };
        var logs = new CapturingLoggerProvider();
        using ILoggerFactory loggerFactory = KubernetesTestSupport.LoggerFactoryFor(logs);

        await using var discovery = new KubernetesDiscovery(KubernetesTestSupport.Options(), KubernetesTestSupport.Settings(environment), loggerFactory);
        Assert.Equal("serving", discovery.Namespace);
        Assert.Equal("https", discovery.ServerUri.Scheme);
        await discovery.StartAsync(CancellationToken.None);
        await KubernetesTestSupport.WaitUntilAsync(() => discovery.Current.DecodeCount == 1 && api.ActiveWatches == 1, "decode pod and a watch");
        Assert.All(api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
        Assert.StartsWith("/api/v1/namespaces/serving/pods", api.Requests.First().Path, StringComparison.Ordinal);

        // The kubelet rotates the token; the next request (here: the resumed watch) carries the new one.
        await File.WriteAllTextAsync(tokenPath, "token-2");
        int before = api.Requests.Count;
        api.CloseWatches();
        await KubernetesTestSupport.WaitUntilAsync(() => api.Requests.Count > before, "a new request");
        Assert.Equal("Bearer token-2", api.Requests.Last().Authorization);

        // No log line ever carries a token.
        Assert.DoesNotContain(logs.Lines, line => line.Message.Contains("token-1", StringComparison.Ordinal) || line.Message.Contains("token-2", StringComparison.Ordinal));
    }

    [Fact]
    public void NoCredentials_IsAConfigurationError()
    {
        using var directory = new TempDirectory();
        var environment = new KubernetesEnvironment
        {
            ServiceAccountDirectory = directory.Path,
            HomeDirectory = directory.Path,
        };

        var error = Assert.Throws<KubernetesConfigurationException>(() => new KubernetesDiscovery(KubernetesTestSupport.Options(), KubernetesTestSupport.Settings(environment)));
        Assert.Contains("kubeconfig", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HomeKubeconfig_IsUsedWithoutKubeconfigVariable_AndNamespaceDefaultsToDefault()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(directory.Path, ".kube"));
        string written = KubernetesTestSupport.WriteKubeconfig(directory.Path, new Uri("http://127.0.0.1:1"), "token: t", @namespace: null);
        File.Move(written, Path.Combine(directory.Path, ".kube", "config"));
        var environment = new KubernetesEnvironment { ServiceAccountDirectory = directory.Path, HomeDirectory = directory.Path };

        await using var discovery = new KubernetesDiscovery(KubernetesTestSupport.Options(), KubernetesTestSupport.Settings(environment));
        Assert.Equal("default", discovery.Namespace);
        Assert.False(discovery.IsSynchronized);
    }
}
