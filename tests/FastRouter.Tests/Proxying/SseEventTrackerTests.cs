using System.Text;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

public sealed class SseEventTrackerTests
{
    [Theory]
    [InlineData(new[] { "data: {}\n\n" }, true)]
    [InlineData(new[] { "data: {}\n" }, false)]
    [InlineData(new[] { "data: {}\n", "\n" }, true)]
    [InlineData(new[] { "data: {}", "\n", "\n" }, true)]
    [InlineData(new[] { "data: {}\n\ndata: {", }, false)]
    [InlineData(new[] { "data: {}\n\ndata: {}\n\n", }, true)]
    [InlineData(new[] { "data: {}\r\n\r\n" }, true)]
    [InlineData(new[] { "data: [DONE]\n\n" }, true)]
    public void TellsWhetherTheBytesSoFarEndAnEvent(string[] chunks, bool expected)
    {
        var tracker = new SseEventTracker();
        bool last = false;
        foreach (string chunk in chunks)
        {
            last = tracker.EndsAtEventBoundary(Encoding.UTF8.GetBytes(chunk));
        }

        Assert.Equal(expected, last);
    }
}
