namespace FastRouter.LoadTests.Scenarios;

/// <summary>The scenarios <c>--scenario</c> accepts, by name.</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("chat", "POST /v1/chat/completions, one JSON answer", [new RequestShape(ApiKind.Chat, Stream: false)]),
        new("chat-stream", "POST /v1/chat/completions with stream=true and include_usage (SSE)", [new RequestShape(ApiKind.Chat, Stream: true)]),
        new("completions", "POST /v1/completions, one JSON answer", [new RequestShape(ApiKind.Completions, Stream: false)]),
        new("completions-stream", "POST /v1/completions with stream=true and include_usage (SSE)", [new RequestShape(ApiKind.Completions, Stream: true)]),
        new(
            "mixed",
            "each request picks one of the four above with equal odds",
            [
                new RequestShape(ApiKind.Chat, Stream: false),
                new RequestShape(ApiKind.Chat, Stream: true),
                new RequestShape(ApiKind.Completions, Stream: false),
                new RequestShape(ApiKind.Completions, Stream: true),
            ]),
    ];

    public static Scenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
