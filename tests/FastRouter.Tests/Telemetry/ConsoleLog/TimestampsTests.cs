using System.Globalization;
using System.Text;
using FastRouter.Telemetry.ConsoleLog;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>The cached-second timestamps say what DateTime's own format says, across second and day boundaries.</summary>
public sealed class TimestampsTests
{
    [Fact]
    public void WritesWhatTheDateTimeFormatWrites()
    {
        var start = new DateTime(2026, 12, 31, 23, 59, 58, 997, DateTimeKind.Utc);
        Span<byte> text = stackalloc byte[Timestamps.MaxLength];
        Span<byte> json = stackalloc byte[Timestamps.MaxLength];
        for (int i = 0; i < 3000; i++)
        {
            DateTime time = start.AddTicks(i * 7_919L); // 0.79 ms steps, every millisecond digit and a year change
            Assert.Equal(time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(text[..Timestamps.WriteText(time, text)]));
            Assert.Equal(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(json[..Timestamps.WriteJson(time, json)]));
        }
    }
}
