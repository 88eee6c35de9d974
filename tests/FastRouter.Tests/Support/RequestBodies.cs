using System.Globalization;

namespace FastRouter.Tests.Support;

/// <summary>
/// The client requests the tests send through the router when only their size and kind matter: a chat or a
/// completion for the pods' model, its max_tokens, streamed or not. One builder, so every test sends the same
/// OpenAI shape; a test about the body itself (odd fields, bad JSON, unicode) writes its own.
/// The text is put in as it is: plain words, nothing JSON would escape.
/// </summary>
internal static class RequestBodies
{
    public const string Model = "llama31-8b";

    /// <summary><c>{"model":…,"messages":[{"role":"user","content":…}],"max_tokens":…}</c>, with <c>"stream":true</c> when asked.</summary>
    public static string Chat(int maxTokens, bool stream = false, string content = "Hello") =>
        "{\"model\":\"" + Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]," + Tail(maxTokens, stream);

    /// <summary><c>{"model":…,"prompt":…,"max_tokens":…}</c>, with <c>"stream":true</c> when asked.</summary>
    public static string Completion(int maxTokens, bool stream = false, string prompt = "x") =>
        "{\"model\":\"" + Model + "\",\"prompt\":\"" + prompt + "\"," + Tail(maxTokens, stream);

    private static string Tail(int maxTokens, bool stream) =>
        "\"max_tokens\":" + maxTokens.ToString(CultureInfo.InvariantCulture) + (stream ? ",\"stream\":true}" : "}");
}
