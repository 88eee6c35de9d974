namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Discovery's record of one pod that has an address: its <see cref="Backend"/> (kept across events while the
/// endpoint and role stay the same, so its pooled connections survive), whether it is routable, and its model probe.
/// Mutated only under the discovery's lock.
/// </summary>
internal sealed class TrackedPod
{
    public TrackedPod(PodInfo info, Backend backend)
    {
        Info = info;
        Backend = backend;
    }

    public PodInfo Info { get; set; }

    public Backend Backend { get; }

    public bool Routable { get; set; }

    /// <summary>Cancels the /v1/models probe; null when none runs.</summary>
    public CancellationTokenSource? Probe { get; set; }
}
