using System.Globalization;
using FastRouter.Discovery;
using FastRouter.FlowControl;
using FastRouter.Protocol;
using FastRouter.Telemetry;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Proxying;

/// <summary>Step 3b: the wait in the router's queue (FlowControl/), and its answers when it ends without a pod.</summary>
internal sealed partial class OrchestratedProxy
{
    /// <summary>Retry-After of a full queue's 429 and of an expired wait's 503.</summary>
    private const string QueueRetryAfter = "1";

    /// <summary>Returns true when the request may go on to pick its pods; otherwise it has been answered.</summary>
    private async ValueTask<bool> WaitInQueueAsync(HttpContext context, ModelRoute route, string requestId, ProxyExchange exchange)
    {
        HttpResponse response = context.Response;
        if (!QueueRequestHeaders.TryRead(context.Request.Headers, _options, out QueueRequest wanted, out string? error))
        {
            await OpenAiErrors.WriteAsync(response, 400, error!).ConfigureAwait(false);
            return false;
        }

        QueuedRequest? ticket = _flow.TryEnqueue(route, wanted.Band, wanted.Client, wanted.Timeout, context.RequestAborted);
        if (ticket is null)
        {
            response.Headers.RetryAfter = QueueRetryAfter;
            await OpenAiErrors.WriteAsync(response, 429, "Every pod is saturated and the router's queue is full (--queue-size); retry shortly.").ConfigureAwait(false);
            return false;
        }

        exchange.QueueTicket = ticket;
        long waitStarted = RequestClock.BeginWait();
        QueueOutcome outcome = await ticket.WaitAsync().ConfigureAwait(false);
        exchange.Clock.EndWait(waitStarted);
        double seconds = (double)(ticket.LeftAt - ticket.EnqueuedAt) / _flow.TimestampFrequency;
        string band = FlowController.BandName(ticket.Band);
        exchange.Span?.SetTag("fastrouter.queue.wait_seconds", seconds);
        exchange.Span?.SetTag("fastrouter.queue.band", band);
        if (_requestLog.IsEnabled)
        {
            Log.Queued(_logger, Math.Round(seconds, 3), band, FlowController.OutcomeName(outcome), requestId);
        }

        switch (outcome)
        {
            case QueueOutcome.Dispatched:
                // Held until the prefill pod counts the request (RunPrefillAsync), so the queue judges the next one by it.
                return true;
            case QueueOutcome.ClientLeft:
                ReleaseQueueTicket(exchange);
                _metrics.ClientDisconnected(DisconnectPhase.Queue);
                Log.ClientDisconnected(_logger, requestId, "queue");
                return false;
            case QueueOutcome.DeadlineExpired:
                ReleaseQueueTicket(exchange);
                response.Headers.RetryAfter = QueueRetryAfter;
                await OpenAiErrors.WriteAsync(
                    response,
                    503,
                    string.Create(CultureInfo.InvariantCulture, $"Every pod stayed saturated for the {seconds:0.###} s this request may wait in the router's queue (--queue-timeout, {QueueRequestHeaders.QueueTimeoutHeader}); retry shortly.")).ConfigureAwait(false);
                return false;
            default:
                ReleaseQueueTicket(exchange);
                response.Headers.RetryAfter = QueueRetryAfter;
                await OpenAiErrors.WriteAsync(response, 503, "The router is shutting down; retry on another replica.").ConfigureAwait(false);
                return false;
        }
    }

    /// <summary>Gives the request's place in the queue back, if it holds one (it waited, and has not given it back yet).</summary>
    private void ReleaseQueueTicket(ProxyExchange exchange)
    {
        if (exchange.QueueTicket is { } ticket)
        {
            exchange.QueueTicket = null;
            _flow.Release(ticket);
        }
    }
}
