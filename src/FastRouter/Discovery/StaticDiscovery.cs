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
            BackendRole? role = PodRoles.RoleOf(entry.Label, options);
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

    public ValueTask DisposeAsync()
    {
        foreach (Backend backend in Current.Backends)
        {
            backend.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
