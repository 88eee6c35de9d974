namespace FastRouter.Simulation;

/// <summary>`fastrouter sim ...`: runs one simulated vLLM pod until stopped. Placeholder until the simulator lands.</summary>
internal static class SimulatorCommand
{
    public static Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        _ = cancellationToken;
        return Task.FromResult(2);
    }
}
