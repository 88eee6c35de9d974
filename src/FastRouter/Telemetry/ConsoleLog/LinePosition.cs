namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// Where a line written straight into a <see cref="LineBuffer"/> stands: its message's first byte (everything after
/// it is kept on one line), the timestamp every line of the group shares, and how many lines the group holds so far.
/// </summary>
internal readonly record struct LinePosition(int MessageStart, DateTime Timestamp, int Lines);
