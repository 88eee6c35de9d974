namespace FastRouter.Configuration;

/// <summary>How the router finds its pods (production-stack's --service-discovery).</summary>
internal enum ServiceDiscoveryMode
{
    Static,
    Kubernetes,
}
