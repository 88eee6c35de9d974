using System.Net;
using System.Net.Sockets;
using FastRouter.Proxying;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>The routing state: which pods are known, which are routable, and publishing tables. Everything here runs under <see cref="_gate"/>.</summary>
internal sealed partial class KubernetesDiscovery
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TrackedPod> _pods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ignoredLogged = new(StringComparer.Ordinal);
    private readonly RetiredBackends _retired;

    /// <summary>Replaces the whole view with a fresh list: pods absent from it are gone. Returns how many are routable.</summary>
    private int ApplyList(IReadOnlyList<PodInfo> pods)
    {
        lock (_gate)
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (PodInfo pod in pods)
            {
                listed.Add(pod.Name);
                ApplyPodLocked(pod);
            }

            foreach (string name in _pods.Keys.Where(name => !listed.Contains(name)).ToList())
            {
                RemovePodLocked(name);
            }

            Publish();
            return Current.Backends.Length;
        }
    }

    private void ApplyPod(PodInfo pod)
    {
        lock (_gate)
        {
            ApplyPodLocked(pod);
            Publish();
        }
    }

    private void RemovePod(string name, PodInfo? last)
    {
        lock (_gate)
        {
            if (last is not null && _pods.TryGetValue(name, out TrackedPod? tracked))
            {
                tracked.Info = last;
            }

            RemovePodLocked(name);
            Publish();
        }
    }

    private void ApplyPodLocked(PodInfo pod)
    {
        BackendRole? role = PodRoles.RoleOf(pod.ModelLabel, _options);
        if (role is null)
        {
            // production-stack's rule: a pod is prefill or decode by its model label; others are not ours to route.
            RemovePodLocked(pod.Name);
            if (_ignoredLogged.Add(pod.Name))
            {
                Log.PodIgnored(_logger, pod.Name, pod.ModelLabel ?? "(none)");
            }

            return;
        }

        if (pod.PodIp is null)
        {
            // Not scheduled yet (or its address is gone): nothing to route to.
            RemovePodLocked(pod.Name);
            return;
        }

        Uri endpoint = EndpointOf(pod.PodIp);
        if (_pods.TryGetValue(pod.Name, out TrackedPod? tracked) && (tracked.Backend.BaseUri != endpoint || tracked.Backend.Role != role.Value))
        {
            // Same name, new address or role (a StatefulSet pod recreated, a relabel): a different backend.
            RemovePodLocked(pod.Name);
            tracked = null;
        }

        if (tracked is null)
        {
            var backend = new Backend(endpoint, role.Value, model: null, BackendHandlerFactory.Create(_options));
            tracked = new TrackedPod(pod, backend);
            _pods[pod.Name] = tracked;
            Log.PodAdded(_logger, pod.Name, pod.PodIp, RoleName(role.Value), StateOf(pod));
        }

        bool wasRoutable = tracked.Routable;
        tracked.Info = pod;
        tracked.Routable = pod.Routable;
        if (tracked.Routable && !wasRoutable)
        {
            Log.PodReady(_logger, pod.Name, pod.PodIp, RoleName(role.Value));
            StartModelProbe(tracked);
        }
        else if (!tracked.Routable && wasRoutable)
        {
            Log.PodUnready(_logger, pod.Name, pod.PodIp, RoleName(role.Value), StateOf(pod));
        }
    }

    private void RemovePodLocked(string name)
    {
        if (!_pods.Remove(name, out TrackedPod? tracked))
        {
            return;
        }

        tracked.Probe?.Cancel();
        tracked.Probe?.Dispose();
        tracked.Probe = null;

        // Out of the next table at once; its pool goes only once in-flight requests finished.
        _retired.Add(tracked.Backend);
        Log.PodRemoved(_logger, name, tracked.Info.PodIp ?? "", RoleName(tracked.Backend.Role));
    }

    /// <summary>Asks the pod's /v1/models in the background; the answer is published as a new table.</summary>
    private void StartModelProbe(TrackedPod tracked)
    {
        if (tracked.Backend.Models is not null || tracked.Probe is not null)
        {
            return;
        }

        var probe = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        tracked.Probe = probe;
        Backend backend = tracked.Backend;
        string name = tracked.Info.Name;
        _ = Task.Run(async () =>
        {
            try
            {
                string[] models = await ModelProbe.ProbeAsync(backend, name, _modelProbeAuthorization, _settings, _logger, probe.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    // The pod may have left, or been replaced, while we asked.
                    if (!_pods.TryGetValue(name, out TrackedPod? current) || current.Backend != backend)
                    {
                        return;
                    }

                    backend.SetModels(models);
                    current.Probe = null;
                    probe.Dispose();
                    Log.PodModels(_logger, name, backend.Host, string.Join(", ", models));
                    Publish();
                }
            }
            catch (OperationCanceledException)
            {
                // The pod left, or discovery stopped.
            }
        });
    }

    /// <summary>Builds and publishes the table of routable pods; called under the lock after each change.</summary>
    private void Publish()
    {
        var routable = new List<Backend>();
        foreach (TrackedPod tracked in _pods.Values.OrderBy(p => p.Info.Name, StringComparer.Ordinal))
        {
            if (tracked.Routable)
            {
                routable.Add(tracked.Backend);
            }
        }

        // Model-aware: once pods' models are known, a request for a model no pod serves is answered 404 (see RoutingTable).
        Volatile.Write(ref _current, new RoutingTable(routable, modelAware: true));
    }

    private void DisposeDrained()
    {
        foreach (Backend backend in _retired.DisposeDrained())
        {
            Log.BackendDisposed(_logger, backend.Name);
        }
    }

    private void DisposePods()
    {
        lock (_gate)
        {
            foreach (TrackedPod tracked in _pods.Values)
            {
                tracked.Probe?.Cancel();
                tracked.Probe?.Dispose();
                tracked.Backend.Dispose();
            }

            _pods.Clear();
            Volatile.Write(ref _current, RoutingTable.Empty);
        }

        _retired.DisposeAll();
    }

    private Uri EndpointOf(string podIp)
    {
        string host = IPAddress.TryParse(podIp, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + podIp + "]" : podIp;
        return new Uri("http://" + host + ":" + _options.KubernetesPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/");
    }

    private static string RoleName(BackendRole role) => role == BackendRole.Prefill ? "prefill" : "decode";

    private static string StateOf(PodInfo pod) => pod.Terminating ? "terminating" : pod.Ready ? "ready" : "not ready";
}
