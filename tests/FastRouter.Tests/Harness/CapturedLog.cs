using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Harness;

/// <summary>One log line the router wrote.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message);
