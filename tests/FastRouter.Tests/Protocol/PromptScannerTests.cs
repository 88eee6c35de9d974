using System.Buffers;
using System.Text;
using FastRouter.Protocol;

namespace FastRouter.Tests.Protocol;

/// <summary>The affinity key and prompt sizes the scanner reads from chat messages and completions prompts.</summary>
public sealed class PromptScannerTests
{
    private const string System = "{\"role\":\"system\",\"content\":\"You are terse.\"}";
    private const string FirstUser = "{\"role\":\"user\",\"content\":\"Name a prime.\"}";
    private const string FirstAnswer = "{\"role\":\"assistant\",\"content\":\"Seven.\"}";
    private const string SecondUser = "{\"role\":\"user\",\"content\":\"Another one?\"}";

    private static RequestScan Scan(string body, params int[] cuts)
    {
        var scan = new RequestScan();
        ReadOnlySequence<byte> sequence = SequenceSplitter.Split(Encoding.UTF8.GetBytes(body), cuts);
        Assert.True(RequestScanner.TryScan(sequence, 64, scan, out RequestRejection rejection), rejection.Message);
        return scan;
    }

    private static string Chat(params string[] messages) => "{\"model\":\"m\",\"messages\":[" + string.Join(',', messages) + "]}";

    [Fact]
    public void TurnOneAndTurnThreeOfAConversation_HaveTheSameKey()
    {
        RequestScan turn1 = Scan(Chat(System, FirstUser));
        RequestScan turn3 = Scan(Chat(System, FirstUser, FirstAnswer, SecondUser, "{\"role\":\"assistant\",\"content\":\"Eleven.\"}", "{\"role\":\"user\",\"content\":\"Thanks\"}"));

        Assert.NotEqual(0UL, turn1.AffinityKey);
        Assert.Equal(turn1.AffinityKey, turn3.AffinityKey);
        Assert.False(turn1.HasHistory);
        Assert.True(turn3.HasHistory);
    }

    [Fact]
    public void ConversationsUnderOneLongSystemPrompt_ShareTheirPrefixKey_NotTheirConversationKey()
    {
        string longSystem = "{\"role\":\"system\",\"content\":\"" + new string('s', 2000) + "\"}";
        RequestScan one = Scan(Chat(longSystem, FirstUser));
        RequestScan other = Scan(Chat(longSystem, SecondUser));

        Assert.Equal(one.PrefixKey, other.PrefixKey);
        Assert.NotEqual(one.AffinityKey, other.AffinityKey);
        Assert.NotEqual(0UL, one.PrefixKey);
    }

    [Fact]
    public void UnderAShortSystemPrompt_ThePrefixKeyStopsAtTheFirstUserMessage_SoItHoldsOverTheTurns()
    {
        RequestScan turn1 = Scan(Chat(System, FirstUser));
        RequestScan turn2 = Scan(Chat(System, FirstUser, FirstAnswer, SecondUser));

        Assert.Equal(turn1.PrefixKey, turn2.PrefixKey);
        Assert.NotEqual(Scan(Chat(System, SecondUser)).PrefixKey, turn1.PrefixKey);
    }

    [Fact]
    public void ACompletionsPrompt_IsItsOwnPrefix()
    {
        RequestScan scan = Scan("{\"model\":\"m\",\"prompt\":\"Once upon a time\"}");
        Assert.Equal(scan.AffinityKey, scan.PrefixKey);
    }

    [Theory]
    [InlineData("{\"role\":\"user\",\"content\":\"Name a prime!\"}")]
    [InlineData("{\"role\":\"user\",\"content\":\"Name a prime. \"}")]
    [InlineData("{\"role\":\"assistant\",\"content\":\"Name a prime.\"}")]
    public void ADifferentFirstUserMessageOrRole_GivesADifferentKey(string other)
    {
        Assert.NotEqual(Scan(Chat(System, FirstUser)).AffinityKey, Scan(Chat(System, other)).AffinityKey);
    }

    [Fact]
    public void ADifferentSystemPrompt_GivesADifferentKey()
    {
        string otherSystem = "{\"role\":\"system\",\"content\":\"You are verbose.\"}";
        Assert.NotEqual(Scan(Chat(System, FirstUser)).AffinityKey, Scan(Chat(otherSystem, FirstUser)).AffinityKey);
    }

    [Fact]
    public void WhiteSpaceMemberOrderAndOtherFields_DoNotChangeTheKey()
    {
        string spaced = "{ \"messages\" : [ { \"content\" : \"You are terse.\" ,\n \"role\" : \"system\" } ,\r\n"
            + " { \"name\":\"bob\", \"role\":\"user\",\"content\":\"Name a prime.\" } ], \"model\":\"m\", \"temperature\": 0.5 }";

        Assert.Equal(Scan(Chat(System, FirstUser)).AffinityKey, Scan(spaced).AffinityKey);
    }

    [Fact]
    public void TextPartsHashLikeTheSameStringContent_AndImagesAreLeftOut()
    {
        string parts = "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x/y.png\"}},{\"type\":\"text\",\"text\":\"Name a prime.\"}]}";

        RequestScan scan = Scan(Chat(System, parts));

        Assert.Equal(Scan(Chat(System, FirstUser)).AffinityKey, scan.AffinityKey);
        Assert.Equal("You are terse.".Length + "Name a prime.".Length, scan.PromptBytes);
    }

    [Fact]
    public void AnEscapedCharacter_IsHashedAsWritten()
    {
        // Documented: the raw token bytes are hashed, so the same text escaped differently is another key.
        string escaped = "{\"role\":\"user\",\"content\":\"Name a prim\\u0065.\"}";

        Assert.NotEqual(Scan(Chat(System, FirstUser)).AffinityKey, Scan(Chat(System, escaped)).AffinityKey);
    }

    [Fact]
    public void PartsSplitDifferently_HashApart()
    {
        string ab = "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"ab\"},{\"type\":\"text\",\"text\":\"c\"}]}";
        string bc = "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"bc\"}]}";

        Assert.NotEqual(Scan(Chat(ab)).AffinityKey, Scan(Chat(bc)).AffinityKey);
    }

    [Fact]
    public void PromptBytes_CountAllContents_NewPromptBytesThoseAfterTheLastAssistantMessage()
    {
        RequestScan scan = Scan(Chat(System, FirstUser, FirstAnswer, SecondUser));

        Assert.Equal("You are terse.".Length + "Name a prime.".Length + "Seven.".Length + "Another one?".Length, scan.PromptBytes);
        Assert.Equal("Another one?".Length, scan.NewPromptBytes);
        Assert.True(scan.HasHistory);
    }

    [Fact]
    public void WithoutHistory_NewPromptBytesEqualPromptBytes()
    {
        RequestScan scan = Scan(Chat(System, FirstUser));

        Assert.Equal(scan.PromptBytes, scan.NewPromptBytes);
        Assert.Equal("You are terse.".Length + "Name a prime.".Length, scan.PromptBytes);
    }

    [Fact]
    public void ABodySplitAcrossSegments_GivesTheSameKeyAndSizes()
    {
        string body = Chat(System, FirstUser, FirstAnswer, SecondUser);
        RequestScan whole = Scan(body);

        for (int cut = 1; cut < body.Length; cut += 3)
        {
            RequestScan split = Scan(body, cut);
            Assert.Equal(whole.AffinityKey, split.AffinityKey);
            Assert.Equal(whole.PromptBytes, split.PromptBytes);
            Assert.Equal(whole.NewPromptBytes, split.NewPromptBytes);
        }
    }

    [Fact]
    public void CompletionsPrompt_IsKeyedOnItsFirstKilobyte()
    {
        string head = new('a', PromptScanner.CompletionKeyBytes);
        RequestScan one = Scan("{\"model\":\"m\",\"prompt\":\"" + head + "tail one\"}");
        RequestScan two = Scan("{\"model\":\"m\",\"prompt\":\"" + head + "tail two, longer\"}");
        RequestScan other = Scan("{\"model\":\"m\",\"prompt\":\"b" + head + "\"}");

        Assert.NotEqual(0UL, one.AffinityKey);
        Assert.Equal(one.AffinityKey, two.AffinityKey);
        Assert.NotEqual(one.AffinityKey, other.AffinityKey);
        Assert.Equal(head.Length + "tail one".Length, one.PromptBytes);
        Assert.Equal(one.PromptBytes, one.NewPromptBytes);
        Assert.False(one.HasHistory);
    }

    [Fact]
    public void CompletionsPromptArrays_OfStringsOrTokenIds_AreKeyed()
    {
        RequestScan strings = Scan("{\"prompt\":[\"hello\",\"world\"]}");
        RequestScan tokens = Scan("{\"prompt\":[[1,2,3],[4]]}");
        RequestScan otherTokens = Scan("{\"prompt\":[[1,2,4],[4]]}");

        Assert.NotEqual(0UL, strings.AffinityKey);
        Assert.Equal(10, strings.PromptBytes);
        Assert.NotEqual(0UL, tokens.AffinityKey);
        Assert.NotEqual(tokens.AffinityKey, otherTokens.AffinityKey);
    }

    [Theory]
    [InlineData("{\"model\":\"m\"}")]
    [InlineData("{\"messages\":[]}")]
    [InlineData("{\"messages\":\"not a list\"}")]
    [InlineData("{\"prompt\":null}")]
    [InlineData("{\"prompt\":\"\"}")]
    public void NoPrompt_HasNoKey(string body)
    {
        RequestScan scan = Scan(body);

        Assert.Equal(0UL, scan.AffinityKey);
        Assert.Equal(0, scan.PromptBytes);
    }

    [Fact]
    public void TheLastMessagesMemberWins_AndAReusedScanStartsAfresh()
    {
        RequestScan duplicate = Scan("{\"messages\":[" + System + "],\"messages\":[" + FirstUser + "]}");
        Assert.Equal(Scan(Chat(FirstUser)).AffinityKey, duplicate.AffinityKey);

        var scan = new RequestScan();
        byte[] first = Encoding.UTF8.GetBytes(Chat(System, FirstUser, FirstAnswer, SecondUser));
        Assert.True(RequestScanner.TryScan(new ReadOnlySequence<byte>(first), 64, scan, out _));
        Assert.True(RequestScanner.TryScan(new ReadOnlySequence<byte>("{\"model\":\"m\"}"u8.ToArray()), 64, scan, out _));
        Assert.Equal(0UL, scan.AffinityKey);
        Assert.False(scan.HasHistory);
    }

    [Fact]
    public void TheRestOfTheBodyIsStillScanned()
    {
        RequestScan scan = Scan("{\"messages\":[" + FirstUser + "],\"stream\":true,\"model\":\"m\"}");

        Assert.True(scan.Stream);
        Assert.True(scan.HasModel);
        Assert.Equal(3, scan.MemberCount);
    }

    [Fact]
    public void ScanningAllocatesNothing()
    {
        var scan = new RequestScan();
        var body = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Chat(System, FirstUser, FirstAnswer, SecondUser)));
        RequestScanner.TryScan(body, 64, scan, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            RequestScanner.TryScan(body, 64, scan, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
