namespace FastRouter.Simulation;

/// <summary>Why the lease table ended a lease; each is counted separately.</summary>
internal enum KvLeaseOutcome
{
    /// <summary>Decode pulled the blocks (the normal path).</summary>
    Pulled,

    /// <summary>Decode gave the blocks back without a transfer (its request was aborted).</summary>
    Released,
}
