namespace FastRouter.Hosting;

/// <summary>
/// The two simulated pods `fastrouter --demo` routes to. The simulator is its own project, so the executable starts
/// them and hands them over; disposing <see cref="Owner"/> stops them.
/// </summary>
public sealed class DemoPods
{
    public DemoPods(Uri prefill, Uri decode, string description, IAsyncDisposable owner)
    {
        Prefill = prefill;
        Decode = decode;
        Description = description;
        Owner = owner;
    }

    public Uri Prefill { get; }

    public Uri Decode { get; }

    /// <summary>The pods' lines of the demo's banner.</summary>
    public string Description { get; }

    public IAsyncDisposable Owner { get; }
}
