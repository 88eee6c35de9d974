namespace FastRouter.LoadTests.Overload;

/// <summary>One request of the schedule: when it is due (seconds from the start), from which client, in which band.</summary>
internal readonly record struct OverloadArrival(int Index, double OffsetSeconds, int Client, int Band);
