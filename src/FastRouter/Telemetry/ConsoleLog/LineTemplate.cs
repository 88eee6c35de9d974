using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// A text line whose parts are known in advance (Proxying.RequestLog's seven): everything from the level to the
/// value (<c>info: Category[2] Prefill endpoint: </c>) and after it (<c>s (TTFT)</c>) encoded once, so a line is
/// queued as its values alone (<see cref="QueuedLine"/>) and formatted on the writer's thread. The line ends with
/// <c> [request_id=…]</c>, as the router's templates do.
/// </summary>
internal sealed class LineTemplate
{
    /// <param name="category">The logger's category, as <see cref="TextLineFormatter"/> writes it.</param>
    /// <param name="before">The message up to the value (all of it when there is none).</param>
    /// <param name="after">The message after the value, before the request id.</param>
    /// <param name="numberFormat">The value's format when it is a number (<c>F2</c>); null when it is text or absent.</param>
    public LineTemplate(LogLevel level, string category, int eventId, string before, string after = "", string? numberFormat = null)
    {
        Head = [.. TextLineFormatter.LevelPrefix(level), .. Encoding.UTF8.GetBytes(category + "[" + eventId.ToString(CultureInfo.InvariantCulture) + "] " + before)];
        Tail = Encoding.UTF8.GetBytes(after + " [request_id=");
        NumberFormat = numberFormat;
    }

    /// <summary>From the level name through the message's text before the value.</summary>
    public byte[] Head { get; }

    /// <summary>The message's text after the value, then <c> [request_id=</c>.</summary>
    public byte[] Tail { get; }

    public string? NumberFormat { get; }
}
