using System.Text;
using FastRouter.Telemetry.ConsoleLog;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>The batched writer: bounded, never waits on its output, drops and counts, reports, flushes on dispose.</summary>
public sealed class ConsoleLogWriterTests
{
    [Fact]
    public void Dispose_WritesEveryQueuedLine_InOrder()
    {
        var output = new ConsoleSinkStream();
        var writer = new ConsoleLogWriter(output);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(writer.TryWrite(Encoding.UTF8.GetBytes("line " + i + "\n")));
        }

        writer.Dispose();

        string[] lines = output.Lines;
        Assert.Equal(1000, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal("line " + i, lines[i]);
        }

        Assert.Equal(0, writer.DroppedLines);
    }

    [Fact]
    public void FormattedAndTemplatedLines_ComeOutInTheOrderTheyCame()
    {
        var output = new ConsoleSinkStream();
        var writer = new ConsoleLogWriter(output);
        var template = new LineTemplate(Microsoft.Extensions.Logging.LogLevel.Information, "Cat", 5, "took ", "s", "F2");
        var at = new DateTime(2026, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        for (int i = 0; i < 500; i++)
        {
            Assert.True(writer.TryWrite(Encoding.UTF8.GetBytes("line " + i + "\n")));
            Assert.True(writer.TryWrite([QueuedLine.Of(template, at, i / 100.0, "r" + i)]));
        }

        writer.Dispose();

        string[] lines = output.Lines;
        Assert.Equal(1000, lines.Length);
        for (int i = 0; i < 500; i++)
        {
            Assert.Equal("line " + i, lines[2 * i]);
            string seconds = (i / 100.0).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal("2026-01-02 03:04:05.006 info: Cat[5] took " + seconds + "s [request_id=r" + i + "]", lines[(2 * i) + 1]);
        }
    }

    [Fact]
    public async Task AStalledOutput_DropsAndCountsInsteadOfWaiting_ThenReportsOnceItMovesAgain()
    {
        var output = new ConsoleSinkStream();
        output.Stall();
        var writer = new ConsoleLogWriter(output, static (dropped, line) => line.Write(Encoding.UTF8.GetBytes("dropped " + dropped + "\n")), bufferBytes: 4096);
        byte[] line = new byte[100];
        line.AsSpan().Fill((byte)'x');
        line[^1] = (byte)'\n';

        // The first line reaches the writer thread, which then waits in the stalled write.
        Assert.True(writer.TryWrite(line));
        Assert.True(await Support.Eventually.TrueAsync(() => output.WritesStarted == 1));

        // One buffer of 4096 bytes holds 40 of these lines; the rest are dropped, and none of the calls waits.
        int accepted = 0;
        for (int i = 0; i < 100; i++)
        {
            accepted += writer.TryWrite(line) ? 1 : 0;
        }

        Assert.Equal(40, accepted);
        Assert.Equal(60, writer.DroppedLines);

        output.Resume();
        writer.Dispose();
        string[] lines = output.Lines;
        Assert.Equal(41, lines.Count(l => l.StartsWith('x')));
        Assert.Equal("dropped 60", lines[^1]);
    }
}
