using System.Text;
using CommunityToolkit.HighPerformance.Buffers;

namespace FastRouter.Simulation;

/// <summary>
/// The simulator's "model output": one word per token from a fixed sentence, so tests can predict every byte.
/// The words are encoded once; generating a token copies nothing.
/// </summary>
internal static class GeneratedText
{
    private static readonly string[] Words =
        "The quick brown fox jumps over the lazy dog while the router moves tokens from prefill to decode .".Split(' ');

    private static readonly byte[][] FirstForms = Encode(string.Empty);
    private static readonly byte[][] LaterForms = Encode(" ");

    /// <summary>The UTF-8 text of token <paramref name="index"/>; every token after the first starts with a space.</summary>
    public static ReadOnlySpan<byte> Token(int index) =>
        index == 0 ? FirstForms[0] : LaterForms[index % Words.Length];

    internal static void AppendTokens(ArrayPoolBufferWriter<byte> destination, int count)
    {
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> token = Token(i);
            token.CopyTo(destination.GetSpan(token.Length));
            destination.Advance(token.Length);
        }
    }

    private static byte[][] Encode(string prefix)
    {
        var forms = new byte[Words.Length][];
        for (int i = 0; i < Words.Length; i++)
        {
            forms[i] = Encoding.UTF8.GetBytes(prefix + Words[i]);
        }

        return forms;
    }
}
