using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace FastRouter.LoadTests.Http;

/// <summary>Turns what went wrong into an <see cref="ErrorCause"/>.</summary>
internal static class ErrorClassifier
{
    public static ErrorCause FromStatus(HttpStatusCode status) => (int)status switch
    {
        >= 400 and < 500 => ErrorCause.Http4xx,
        >= 500 and < 600 => ErrorCause.Http5xx,
        _ => ErrorCause.HttpOtherStatus,
    };

    /// <summary>
    /// The cause of an exception thrown while sending or reading. Socket errors are looked for in the whole inner
    /// chain because SocketsHttpHandler wraps them in HttpRequestException or IOException depending on the phase.
    /// </summary>
    public static ErrorCause FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException or TimeoutException)
        {
            return ErrorCause.Timeout;
        }

        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => ErrorCause.ConnectionRefused,
                    SocketError.TimedOut => ErrorCause.Timeout,
                    _ => ErrorCause.ConnectionReset,
                };
            }
        }

        if (exception is HttpRequestException request)
        {
            return request.HttpRequestError switch
            {
                HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded => ErrorCause.ConnectionReset,
                _ => ErrorCause.ClientException,
            };
        }

        if (exception is HttpIOException io && io.HttpRequestError == HttpRequestError.ResponseEnded)
        {
            return ErrorCause.ConnectionReset;
        }

        return exception is IOException ? ErrorCause.ConnectionReset : ErrorCause.ClientException;
    }
}
