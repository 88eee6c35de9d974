using FastRouter.Configuration;

namespace FastRouter.Telemetry;

/// <summary>The router's version, read once, for the meter, the activity source and the OTLP resource.</summary>
internal static class RouterCommandLineVersion
{
    public static readonly string Value = RouterCommandLine.GetVersion();
}
