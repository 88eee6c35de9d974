using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Exceptions;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// A connection to the API server built by the KubernetesClient library (TLS trust, client certificates, token
/// and basic credentials), through which discovery sends its own raw list and watch requests: the AOT flavour of
/// the library has no watch, and the raw requests let us read watch events line by line as they arrive.
/// </summary>
internal sealed class KubernetesConnection : IDisposable
{
    private readonly k8s.Kubernetes _client;

    private KubernetesConnection(k8s.Kubernetes client, string? defaultNamespace, string source)
    {
        _client = client;
        DefaultNamespace = string.IsNullOrWhiteSpace(defaultNamespace) ? null : defaultNamespace.Trim();
        Source = source;
        string server = client.BaseUri.ToString();
        ServerUri = new Uri(server.EndsWith('/') ? server : server + "/");
    }

    /// <summary>The API server's base address, ending with '/' (it may carry a path, e.g. behind a proxy).</summary>
    public Uri ServerUri { get; }

    /// <summary>The pod's own namespace in a cluster, else the kubeconfig context's; null when neither says.</summary>
    public string? DefaultNamespace { get; }

    /// <summary>Where the credentials came from, for the start-up log line (never the credentials themselves).</summary>
    public string Source { get; }

    /// <summary>In a pod: the service account. Otherwise $KUBECONFIG or ~/.kube/config (current context).</summary>
    /// <exception cref="KubernetesConfigurationException">Neither is usable.</exception>
    public static KubernetesConnection Create(KubernetesEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.IsInCluster ? CreateInCluster(environment) : CreateFromKubeconfig(environment);
    }

    /// <summary>Sends a request with the connection's credentials; the response is returned once its headers arrive.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_client.Credentials is { } credentials)
        {
            // Adds Authorization per request: a token provider (the service account's) is asked every time.
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client.Dispose();

    private static KubernetesConnection CreateInCluster(KubernetesEnvironment environment)
    {
        try
        {
            var caCerts = new X509Certificate2Collection();
            if (File.Exists(environment.CaPath))
            {
                caCerts.ImportFromPemFile(environment.CaPath);
            }

            var config = new KubernetesClientConfiguration
            {
                // UriBuilder brackets an IPv6 service host.
                Host = new UriBuilder("https", environment.ServiceHost, int.Parse(environment.ServicePort!, System.Globalization.CultureInfo.InvariantCulture)).Uri.ToString(),
                TokenProvider = new ServiceAccountTokenProvider(environment.TokenPath),
                SslCaCerts = caCerts.Count > 0 ? caCerts : null,
            };

            string? ns = File.Exists(environment.NamespacePath) ? File.ReadAllText(environment.NamespacePath) : null;
            return new KubernetesConnection(new k8s.Kubernetes(config), ns, "in-cluster service account");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or FormatException or OverflowException or KubeConfigException or UriFormatException)
        {
            throw new KubernetesConfigurationException("cannot use the in-cluster service account in " + environment.ServiceAccountDirectory + ": " + exception.Message, exception);
        }
    }

    private static KubernetesConnection CreateFromKubeconfig(KubernetesEnvironment environment)
    {
        string? path = environment.FindKubeconfig();
        if (path is null)
        {
            string where = string.IsNullOrWhiteSpace(environment.KubeconfigVariable) ? "~/.kube/config" : "$KUBECONFIG (" + environment.KubeconfigVariable + ")";
            throw new KubernetesConfigurationException(
                "--service-discovery k8s needs Kubernetes credentials: not running in a pod with a service account (KUBERNETES_SERVICE_HOST/PORT and "
                + environment.TokenPath + "), and no kubeconfig at " + where + ".");
        }

        try
        {
            KubernetesClientConfiguration config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            return new KubernetesConnection(new k8s.Kubernetes(config), config.Namespace, "kubeconfig " + path + " (context " + config.CurrentContext + ")");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or FormatException or KubeConfigException or UriFormatException or YamlDotNet.Core.YamlException)
        {
            throw new KubernetesConfigurationException("cannot use the kubeconfig " + path + ": " + exception.Message, exception);
        }
    }
}
