namespace FastRouter.LoadTests.Conversations;

/// <summary>One message of a conversation's history.</summary>
internal readonly record struct ChatMessage(string Role, string Content);
