namespace FastRouter.Hosting;

/// <summary>
/// Runs socket continuations on the epoll thread that saw them complete instead of queueing them to the thread pool.
/// A proxy does little work per completion and never blocks, so the hop it saves is most of the cost: measured with
/// wrk at 64 connections, router CPU per orchestrated request fell from about 95 to 77 µs (docs/benchmarks.md, "Runtime
/// settings"). .NET reads the switch from the environment once, when the first socket is made, so it is set before
/// anything opens one; an operator's own value (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>) wins.
/// </summary>
internal static class InlineSocketCompletions
{
    public const string VariableName = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether .NET runs socket completions inline in this process (it reads the same value, "1").</summary>
    public static bool IsEnabled => Environment.GetEnvironmentVariable(VariableName) == "1";

    public static void EnableUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(VariableName) is null)
        {
            Environment.SetEnvironmentVariable(VariableName, "1");
        }
    }
}
