using System.Globalization;
using FastRouter.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace FastRouter.FlowControl;

/// <summary>
/// What a request's headers say about its wait in the router's queue: its priority band (--priority-header), its
/// client (--client-id-header, hashed: a key is never kept) and its own, shorter, queue timeout
/// (<see cref="QueueTimeoutHeader"/>). Read only for a request that has to wait.
/// </summary>
internal static class QueueRequestHeaders
{
    /// <summary>Seconds this request may wait in the router's queue at most; it can shorten --queue-timeout, never extend it.</summary>
    public const string QueueTimeoutHeader = "x-request-queue-timeout";

    public static bool TryRead(IHeaderDictionary headers, RouterOptions options, out QueueRequest request, out string? error)
    {
        request = default;
        int priority = 0;
        StringValues priorityValue = headers[options.PriorityHeader];
        if (priorityValue.Count > 0
            && (priorityValue.Count > 1 || !int.TryParse(priorityValue[0], NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out priority)))
        {
            error = "The " + options.PriorityHeader + " header must be one integer (lower is sooner, as vLLM's priority).";
            return false;
        }

        TimeSpan timeout = options.QueueTimeout;
        StringValues timeoutValue = headers[QueueTimeoutHeader];
        if (timeoutValue.Count > 0)
        {
            if (timeoutValue.Count > 1
                || !double.TryParse(timeoutValue[0], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out double seconds)
                || !double.IsFinite(seconds) || seconds <= 0)
            {
                error = "The " + QueueTimeoutHeader + " header must be a number of seconds greater than 0.";
                return false;
            }

            if (seconds < timeout.TotalSeconds)
            {
                timeout = TimeSpan.FromSeconds(seconds);
            }
        }

        request = new QueueRequest(FlowController.BandOf(priority), ClientKey.Of(headers, options.ClientIdHeader), timeout);
        error = null;
        return true;
    }
}
