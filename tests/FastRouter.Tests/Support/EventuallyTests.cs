namespace FastRouter.Tests.Support;

/// <summary>The one polling loop: it returns as soon as the condition holds, and gives up at its limit.</summary>
public sealed class EventuallyTests
{
    [Fact]
    public async Task TrueAsync_IsTrueOnceTheConditionHolds_AndFalseAtTheLimit()
    {
        int looks = 0;
        Assert.True(await Eventually.TrueAsync(() => ++looks == 3));
        Assert.Equal(3, looks);
        Assert.False(await Eventually.TrueAsync(() => false, TimeSpan.FromMilliseconds(50)));
        Assert.False(await Eventually.TrueAsync(() => Task.FromResult(false), TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task ValueAsync_ReturnsTheFirstSettledValue_OrTheLastOneRead()
    {
        int reads = 0;
        Assert.Equal(2, await Eventually.ValueAsync(() => Task.FromResult(++reads), value => value == 2));
        Assert.Equal(2, reads);

        int last = 0;
        int unsettled = await Eventually.ValueAsync(() => Task.FromResult(++last), _ => false, TimeSpan.FromMilliseconds(50));
        Assert.True(unsettled > 1);
        Assert.Equal(last, unsettled);
    }
}
