namespace FastRouter.Discovery.Kubernetes;

/// <summary>The answer to a pod list: the pods and the resourceVersion a watch continues from.</summary>
internal sealed record PodList(IReadOnlyList<PodInfo> Pods, string ResourceVersion);
