namespace FastRouter.Discovery.Kubernetes;

/// <summary>The API server answered with an error status, either as an HTTP status or as a watch ERROR event.</summary>
internal sealed class KubernetesApiException : Exception
{
    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KubernetesApiException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public int StatusCode { get; }

    /// <summary>410 Gone: the resourceVersion is too old (etcd compacted); only a fresh list recovers.</summary>
    public bool IsGone => StatusCode == 410;
}
