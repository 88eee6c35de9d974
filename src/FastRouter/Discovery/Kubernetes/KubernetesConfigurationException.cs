namespace FastRouter.Discovery.Kubernetes;

/// <summary>No usable Kubernetes credentials: neither an in-cluster service account nor a readable kubeconfig.</summary>
internal sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException()
    {
    }

    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
