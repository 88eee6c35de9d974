namespace FastRouter.Balancing;

/// <summary>Why a pod was picked: counted per role in /metrics and written on the request's log line.</summary>
internal enum PickReason
{
    /// <summary>The request's affinity key (prompt prefix, conversation or --session-key) ranked this pod first, and it was under the load bound.</summary>
    Affinity,

    /// <summary>The affinity's first pod was over the load bound (or unavailable): the next one in the key's order that was not.</summary>
    Spilled,

    /// <summary>No affinity key (or a policy without affinity): the least loaded of two random pods.</summary>
    LeastLoad,

    /// <summary>--pod-selection round-robin.</summary>
    RoundRobin,

    /// <summary>The role has one candidate, or every candidate was tried already.</summary>
    OnlyChoice,
}
