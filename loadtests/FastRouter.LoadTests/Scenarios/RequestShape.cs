namespace FastRouter.LoadTests.Scenarios;

/// <summary>One kind of request a scenario sends: which endpoint, streamed or not.</summary>
internal readonly record struct RequestShape(ApiKind Api, bool Stream)
{
    public string Path => Api == ApiKind.Chat ? "/v1/chat/completions" : "/v1/completions";

    public string Name => (Api == ApiKind.Chat ? "chat" : "completions") + (Stream ? "-stream" : string.Empty);
}
