namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Where Kubernetes credentials come from: the process environment in production, temp files in tests (so no test
/// needs a real cluster or touches the machine's own kubeconfig).
/// </summary>
internal sealed record KubernetesEnvironment
{
    /// <summary>The directory Kubernetes mounts the pod's service account into.</summary>
    public const string DefaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>$KUBERNETES_SERVICE_HOST: set by the kubelet in every pod; null outside a cluster.</summary>
    public string? ServiceHost { get; init; }

    /// <summary>$KUBERNETES_SERVICE_PORT.</summary>
    public string? ServicePort { get; init; }

    /// <summary>Holds <c>token</c>, <c>ca.crt</c> and <c>namespace</c>.</summary>
    public string ServiceAccountDirectory { get; init; } = DefaultServiceAccountDirectory;

    /// <summary>$KUBECONFIG as given (may list several files separated by ':'; the first existing one is used).</summary>
    public string? KubeconfigVariable { get; init; }

    /// <summary>The user's home, for <c>~/.kube/config</c>.</summary>
    public string? HomeDirectory { get; init; }

    public string TokenPath => Path.Combine(ServiceAccountDirectory, "token");

    public string CaPath => Path.Combine(ServiceAccountDirectory, "ca.crt");

    public string NamespacePath => Path.Combine(ServiceAccountDirectory, "namespace");

    /// <summary>In a pod: the service variables are set and the token is mounted (the client library's own rule).</summary>
    public bool IsInCluster =>
        !string.IsNullOrEmpty(ServiceHost) && !string.IsNullOrEmpty(ServicePort) && File.Exists(TokenPath);

    public static KubernetesEnvironment FromProcess() => new()
    {
        ServiceHost = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"),
        ServicePort = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT"),
        KubeconfigVariable = Environment.GetEnvironmentVariable("KUBECONFIG"),
        HomeDirectory = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
    };

    /// <summary>The kubeconfig to use outside a cluster: the first existing file of $KUBECONFIG, else ~/.kube/config.</summary>
    public string? FindKubeconfig()
    {
        if (!string.IsNullOrWhiteSpace(KubeconfigVariable))
        {
            foreach (string candidate in KubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        if (string.IsNullOrEmpty(HomeDirectory))
        {
            return null;
        }

        string home = Path.Combine(HomeDirectory, ".kube", "config");
        return File.Exists(home) ? home : null;
    }
}
