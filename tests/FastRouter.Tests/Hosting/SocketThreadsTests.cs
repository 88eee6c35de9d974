using FastRouter.Hosting;

namespace FastRouter.Tests.Hosting;

/// <summary>
/// Which socket thread count the process entry hands to .NET. The effect on a real process (threads started, the
/// start-up line) is checked against the native binary in <c>AotBinaryTests</c>.
/// </summary>
public sealed class SocketThreadsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(16, 8)]
    public void WithInlineCompletions_TheDefaultIsOnePerTwoCores_AtLeastOne(int processorCount, int expected) =>
        Assert.Equal(expected, SocketThreads.Choose(requested: null, operatorValue: null, inlineCompletions: true, processorCount));

    [Fact]
    public void TheFlagWins_OverTheOperatorsVariable_AndWithoutInlineCompletions() =>
        Assert.Equal(5, SocketThreads.Choose(requested: 5, operatorValue: "2", inlineCompletions: false, processorCount: 8));

    [Fact]
    public void AnOperatorsVariable_IsLeftAsItIs() =>
        Assert.Null(SocketThreads.Choose(requested: null, operatorValue: "4", inlineCompletions: true, processorCount: 8));

    [Fact]
    public void WithoutInlineCompletions_DotNetsDefaultStays() =>
        Assert.Null(SocketThreads.Choose(requested: null, operatorValue: null, inlineCompletions: false, processorCount: 8));
}
