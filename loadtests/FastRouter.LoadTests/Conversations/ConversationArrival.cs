namespace FastRouter.LoadTests.Conversations;

/// <summary>One conversation of the schedule: when it starts (seconds after the run starts) and its system prompt.</summary>
internal readonly record struct ConversationArrival(int Index, double OffsetSeconds, int SystemPrompt);
