using FastRouter.LoadTests.Running;
using System.Text;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// Deterministic ASCII text for prompts and user messages: words drawn from a small vocabulary by a Random seeded
/// from (seed, what the text is for), so every run and every configuration of a benchmark sends the same bytes.
/// ASCII keeps bytes equal to characters, so lengths are exact.
/// </summary>
internal static class ConversationText
{
    private static readonly string[] Words =
        "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu".Split(' ');

    public static string SystemPrompt(int seed, int index, int bytes) => Build(StableSeed.Mix(seed, 0x5157, index), $"System prompt {index}: ", bytes);

    public static string UserMessage(int seed, int conversation, int turn, int bytes) =>
        Build(StableSeed.Mix(seed, 0x05E1, conversation, turn), $"Conversation {conversation} turn {turn}: ", bytes);

    private static string Build(int seed, string prefix, int bytes)
    {
        var random = new Random(seed);
        var text = new StringBuilder(bytes + 16);
        text.Append(prefix);
        while (text.Length < bytes)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        text.Length = Math.Max(1, bytes);
        return text.ToString();
    }
}
