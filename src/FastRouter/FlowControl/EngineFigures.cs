using FastRouter.Configuration;

namespace FastRouter.FlowControl;

/// <summary>How long a pod's engine figures count as current for flow control.</summary>
internal static class EngineFigures
{
    /// <summary>Three scrape intervals: one late or lost scrape does not make a pod's figures stale.</summary>
    public static TimeSpan FreshFor(RouterOptions options) => TimeSpan.FromSeconds(3);
}
