namespace FastRouter.Discovery.Kubernetes;

/// <summary>The few facts about a pod that routing needs, read from its JSON.</summary>
/// <param name="Name">metadata.name (unique in the namespace, which is all we watch).</param>
/// <param name="PodIp">status.podIP; null until the pod is scheduled and has a network.</param>
/// <param name="Ready">The Ready condition is "True".</param>
/// <param name="Terminating">metadata.deletionTimestamp is set: the pod is shutting down and takes no new work.</param>
/// <param name="ModelLabel">metadata.labels.model: matched against --prefill-model-labels / --decode-model-labels.</param>
internal sealed record PodInfo(string Name, string? PodIp, bool Ready, bool Terminating, string? ModelLabel)
{
    /// <summary>Routable: has an address, is Ready, and is not being deleted.</summary>
    public bool Routable => PodIp is not null && Ready && !Terminating;
}
