using Microsoft.Extensions.Hosting;

namespace FastRouter.Simulation;

/// <summary>
/// A host lifetime that does nothing: a simulator starts and stops when its owner says so. The default console
/// lifetime would also stop every embedded simulator on Ctrl+C and hook signals once per instance in tests.
/// </summary>
internal sealed class DetachedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
