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
}
