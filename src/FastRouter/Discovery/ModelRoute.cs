namespace FastRouter.Discovery;

/// <summary>The prefill and decode pods that serve one model (or every pod, for the catch-all route).</summary>
internal sealed class ModelRoute
{
    // Round-robin positions; advanced with Interlocked so concurrent requests spread without a lock.
    private int _nextPrefill = -1;
    private int _nextDecode = -1;

    public ModelRoute(string? model, Backend[] prefill, Backend[] decode)
    {
        Model = model;
        Prefill = prefill;
        Decode = decode;
    }

    /// <summary>The model name; null for the route that ignores models.</summary>
    public string? Model { get; }

    public Backend[] Prefill { get; }

    public Backend[] Decode { get; }

    public ref int NextPrefill => ref _nextPrefill;

    public ref int NextDecode => ref _nextDecode;
}
