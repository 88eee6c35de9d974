namespace FastRouter.FlowControl;

/// <summary>How a request's wait in the <see cref="FlowQueue"/> ended.</summary>
internal enum QueueOutcome
{
    /// <summary>A pod has room: the request goes on to pick its pods.</summary>
    Dispatched,

    /// <summary>It waited past its deadline: answered 503 without ever reaching a pod.</summary>
    DeadlineExpired,

    /// <summary>The client went away while it waited: dropped at once, nothing to answer.</summary>
    ClientLeft,

    /// <summary>The router is shutting down: answered 503 so the client retries on another replica.</summary>
    ShuttingDown,
}
