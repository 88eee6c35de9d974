namespace FastRouter.Proxying;

/// <summary>How <see cref="PooledBuffer.ReadToEndAsync"/> ended.</summary>
internal enum BufferReadResult
{
    /// <summary>The stream ended within the limit: the buffer holds all of it.</summary>
    Complete,

    /// <summary>The stream holds (or announced) more than the limit; reading stopped.</summary>
    TooLarge,

    /// <summary>The process's <see cref="BufferBudget"/> had no room for the next bytes within its wait; reading stopped.</summary>
    OverBudget,
}
