using FastRouter.Discovery;

namespace FastRouter.Balancing;

/// <summary>Round-robin over a role's pods, thread-safe without locks.</summary>
internal static class RoundRobinPicker
{
    /// <summary>The next pod of <paramref name="candidates"/>, or null when there is none.</summary>
    public static Backend? Pick(Backend[] candidates, ref int position)
    {
        if (candidates.Length == 0)
        {
            return null;
        }

        uint next = (uint)Interlocked.Increment(ref position);
        return candidates[next % (uint)candidates.Length];
    }
}
