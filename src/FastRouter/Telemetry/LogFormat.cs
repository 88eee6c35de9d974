namespace FastRouter.Telemetry;

/// <summary>--log-format: how console log lines look.</summary>
internal enum LogFormat
{
    /// <summary>One human-readable line per message with a UTC timestamp (the default).</summary>
    Text,

    /// <summary>One JSON object per line (<see cref="JsonLineFormatter"/>).</summary>
    Json,
}
