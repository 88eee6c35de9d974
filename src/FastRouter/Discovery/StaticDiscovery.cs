using FastRouter.Configuration;
using FastRouter.Proxying;

namespace FastRouter.Discovery;

/// <summary>The pods named by --static-backends, with roles from their labels; never changes.</summary>
internal sealed class StaticDiscovery : IBackendDiscovery
{
    public StaticDiscovery(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var backends = new List<Backend>();
        foreach (StaticBackendOptions entry in options.StaticBackends)
        {
            BackendRole? role = RoleOf(entry.Label, options);
            if (role is null)
            {
                // The command line refuses labels in neither list; kept defensive for programmatic options.
                continue;
            }

            // Without --static-models nothing is known of what a pod serves: every pod takes every model.
            string? model = options.HasStaticModels ? entry.Model : null;
            backends.Add(new Backend(entry.Url, role.Value, model, BackendHandlerFactory.Create(options)));
        }

        Current = new RoutingTable(backends, modelAware: options.HasStaticModels);
    }

    public RoutingTable Current { get; }

    /// <summary>A static list is known in full from the start.</summary>
    public bool IsSynchronized => true;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A pod is prefill when its label is in the prefill list, decode when in the decode list (production-stack).</summary>
    public static BackendRole? RoleOf(string? label, RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (label is null)
        {
            return null;
        }

        if (Contains(options.PrefillModelLabels, label))
        {
            return BackendRole.Prefill;
        }

        return Contains(options.DecodeModelLabels, label) ? BackendRole.Decode : null;
    }

    public ValueTask DisposeAsync()
    {
        foreach (Backend backend in Current.Backends)
        {
            backend.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static bool Contains(IReadOnlyList<string> labels, string label)
    {
        foreach (string candidate in labels)
        {
            if (string.Equals(candidate, label, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
