namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// What one simulator pod did, from its <c>/sim/stats</c>: prompt tokens it computed and found cached, the
/// chat requests it served, and its share of its role's computed tokens (1 = the role's mean).
/// </summary>
internal sealed record PodWork(Uri Pod, string Role, long PromptTokensComputed, long PromptTokensCached, long Requests, string? Error)
{
    /// <summary>Computed tokens divided by the role's mean; set by <see cref="FleetWork"/>.</summary>
    public double ShareOfRoleMean { get; set; }
}
