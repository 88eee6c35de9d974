using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

public sealed class RequestIdsTests
{
    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("chatcmpl-6b2f:x/y", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("caf\u00e9", false)]
    public void OnlyVisibleAsciiIdsAreTaken(string id, bool acceptable)
    {
        Assert.Equal(acceptable, RequestIds.IsAcceptable(id));
    }

    [Fact]
    public void OverlongIdsAreNotTaken()
    {
        Assert.True(RequestIds.IsAcceptable(new string('a', 128)));
        Assert.False(RequestIds.IsAcceptable(new string('a', 129)));
    }

    [Fact]
    public void NewIds_AreThirtyTwoHexDigits_AndDistinct()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 10_000; i++)
        {
            string id = RequestIds.NewId();
            Assert.Matches("^[0-9a-f]{32}$", id);
            Assert.True(seen.Add(id), $"id {id} was made twice");
        }
    }

    [Fact]
    public void NewIds_MadeOnManyThreadsAtOnce_AreDistinct()
    {
        const int PerThread = 5_000;
        string[][] made = new string[4][];
        Parallel.For(0, made.Length, t =>
        {
            made[t] = new string[PerThread];
            for (int i = 0; i < PerThread; i++)
            {
                made[t][i] = RequestIds.NewId();
            }
        });

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string[] ids in made)
        {
            foreach (string id in ids)
            {
                Assert.True(seen.Add(id), $"id {id} was made twice");
            }
        }
    }
}
