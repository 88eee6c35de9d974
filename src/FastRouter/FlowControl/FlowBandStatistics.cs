namespace FastRouter.FlowControl;

/// <summary>One priority band's figures at one moment: what waits now, and counters since the router started.</summary>
internal readonly record struct FlowBandStatistics(
    int Waiting,
    int WaitingClients,
    long Enqueued,
    long Dispatched,
    long Expired,
    long ClientsLeft,
    long RejectedFull,
    double WaitSecondsTotal);
