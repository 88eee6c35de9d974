namespace FastRouter.LoadTests.Conversations;

/// <summary>One row of the per-turn table: turn 0 stands for every turn.</summary>
internal readonly record struct TurnSummary(int Turn, long Succeeded, long Failed, double TtftP50Ms, double TtftP99Ms, double ItlP50Ms, double ItlP99Ms);
