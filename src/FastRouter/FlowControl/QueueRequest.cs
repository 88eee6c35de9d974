namespace FastRouter.FlowControl;

/// <summary>A waiting request's place in the queue, as its headers ask: band, client key and timeout.</summary>
internal readonly record struct QueueRequest(int Band, ulong Client, TimeSpan Timeout);
