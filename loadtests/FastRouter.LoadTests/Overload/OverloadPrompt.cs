using FastRouter.LoadTests.Running;
using System.Text;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// A distinct prompt per request: its index leads the text, so the first cache block already differs and no
/// prefix cache can serve one request from another's work (the fleet's capacity stays what its compute rate says).
/// Deterministic ASCII, so bytes equal characters and every configuration sends the same text.
/// </summary>
internal static class OverloadPrompt
{
    private static readonly string[] Words =
        "amber basalt cedar dune ember fjord granite heath islet juniper kelp lagoon moraine nettle oasis pumice quartz reef scree tundra".Split(' ');

    public static string Build(int seed, int index, int bytes)
    {
        var random = new Random(StableSeed.Mix(seed, 0x0E4D, index));
        var text = new StringBuilder(bytes + 16);
        text.Append("Request ").Append(index).Append(": ");
        while (text.Length < bytes)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ');
        }

        text.Length = Math.Max(1, bytes);
        return text.ToString();
    }
}
