namespace FastRouter.Simulation;

/// <summary>One prefill waiting for, or in, an engine model batch.</summary>
internal sealed class PrefillJob(byte[] rendered, ulong[] ids)
{
    public byte[] Rendered { get; } = rendered;

    public ulong[] Ids { get; } = ids;

    public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
