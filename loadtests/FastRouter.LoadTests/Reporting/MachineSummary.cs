using System.Runtime.InteropServices;

namespace FastRouter.LoadTests.Reporting;

/// <summary>Where the generator ran: numbers mean little without the machine they came from.</summary>
internal sealed record MachineSummary(string MachineName, int ProcessorCount, string OperatingSystem, string Architecture, string DotnetVersion, bool ServerGc)
{
    public static MachineSummary Current() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString(),
        RuntimeInformation.FrameworkDescription,
        System.Runtime.GCSettings.IsServerGC);
}
