namespace FastRouter.Tests.Support;

/// <summary>
/// Waits for something another thread or process makes true (a server noticing an abort, a log line reaching
/// standard output, a pod's count settling). The limit is generous and only turns a hang into a failure; it is
/// never what the test measures. The one polling loop of the tests: a test never writes its own.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(15);

    /// <summary>Between looks at an in-memory condition: cheap, so often.</summary>
    private static readonly TimeSpan LocalInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Between looks that cost a request (a scrape, a probe): less often, not to load what is watched.</summary>
    private static readonly TimeSpan RemoteInterval = TimeSpan.FromMilliseconds(20);

    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        DateTime deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(LocalInterval).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>As <see cref="TrueAsync(Func{bool}, TimeSpan?)"/>, for a condition that must ask (a request).</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        DateTime deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(RemoteInterval).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Reads a value until <paramref name="settled"/> holds for it or the limit passes, and returns the last value
    /// read either way: the test asserts on the value, so a failure shows what it was.
    /// </summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> settled, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(settled);
        DateTime deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        T value;
        while (!settled(value = await read().ConfigureAwait(false)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(RemoteInterval).ConfigureAwait(false);
        }

        return value;
    }
}
