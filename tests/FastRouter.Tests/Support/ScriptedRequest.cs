namespace FastRouter.Tests.Support;

/// <summary>A request a <see cref="ScriptedPod"/> read: its number (from 0, over all connections), head and body.</summary>
internal readonly record struct ScriptedRequest(int Index, string Head, string Body);
