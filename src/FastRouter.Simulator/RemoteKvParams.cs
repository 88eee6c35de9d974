namespace FastRouter.Simulation;

/// <summary>Where decode pulls its KV blocks from, as read from the <c>kv_transfer_params</c> prefill produced.</summary>
internal sealed record RemoteKvParams(
    string RemoteHost,
    int RemotePort,
    string RemoteEngineId,
    int[] BlockIds,
    string? RemoteRequestId)
{
    /// <summary>"host:port" as the decode error message names it, IPv6 literals in brackets.</summary>
    public string Authority => $"{HostForUri(RemoteHost)}:{RemotePort.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    internal static string HostForUri(string host) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
