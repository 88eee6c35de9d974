using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Protocol;
using FastRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>The backend legs: how each is sent, what counts as the pod's failure, and what the client gets.</summary>
internal sealed partial class OrchestratedProxy
{
    /// <summary>Most of a backend's error body that is read and relayed.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>Longest wait for a draining decode to accept the params before it is closed anyway.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends the prefill leg and reads its answer whole into <see cref="ProxyExchange.PrefillAnswer"/>. Transport
    /// failures, timeouts and 5xx are retryable: a prefill that failed holds no KV, so redoing it elsewhere is safe.
    /// <paramref name="timeout"/> is this attempt's share of the request's <see cref="PrefillBudget"/>.
    /// </summary>
    /// <param name="announced">Whether <see cref="RequestLog.Attempt"/> has logged this leg's "Sending prefill request to" line.</param>
    private async Task<LegResult> RunPrefillAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend prefill, ProxyExchange exchange, TimeSpan timeout, bool announced)
    {
        CancellationToken clientAborted = context.RequestAborted;
        LegState leg = BeginLeg(context, endpoint, requestId, prefill, exchange.PrefillBody, timeout, exchange);
        exchange.PrefillAbort.Arm(leg.Timeout, leg.Content);
        leg.ClientAbort = clientAborted.UnsafeRegister(PrefillAbortHook.OnClientAbort, exchange.PrefillAbort);
        exchange.PrefillContent = leg.Content;
        CancellationToken timedOut = leg.Timeout.Token;
        if (!announced)
        {
            _requestLog.SendingPrefill(leg.Request.RequestUri!, requestId);
        }

        exchange.PrefillStartedAt = _requestLog.IsEnabled ? Stopwatch.GetTimestamp() : 0;
        prefill.Reserve();
        // The pod's count now shows this request: the queue may judge the next one.
        ReleaseQueueTicket(exchange);

        HttpResponseMessage? answer = null;
        try
        {
            answer = await prefill.Invoker.SendAsync(leg.Request, timedOut).ConfigureAwait(false);
            LegResult? failed = await CheckStatusAsync(context, answer, "prefill", requestId, timedOut, ref leg).ConfigureAwait(false);
            if (failed is { } result)
            {
                return result;
            }

            // From here the prefill pod holds KV blocks for this request. Cancelling the read now would not free them
            // (the engine's request is already finished), so the answer is read even if the client leaves, and
            // step 8 has decode release them: the client's abort is unhooked and only the leg's timer still counts.
            // Only when the client left just as the answer came (the hook already fired) does the read need a timer
            // of its own.
            using CancellationTokenSource? ownTimer = leg.ClientAbort.Unregister() || !clientAborted.IsCancellationRequested
                ? null
                : new CancellationTokenSource(timeout);
            CancellationToken readTimeout = ownTimer?.Token ?? timedOut;
            Stream stream = await answer.Content.ReadAsStreamAsync(readTimeout).ConfigureAwait(false);
            // The pod holds the KV blocks of a 200 until the router reads their params, so refusing the answer would
            // strand them: its first 64 KiB (a vLLM answer is under 4 KiB) are charged whatever the budget holds. Only
            // an answer larger than that, from a pod that misbehaves, can find no room.
            switch (await exchange.PrefillAnswer.ReadToEndAsync(stream, answer.Content.Headers.ContentLength, _maxPrefillAnswerBytes, _budget, readTimeout, PrefillAnswerOverdraw).ConfigureAwait(false))
            {
                case BufferReadResult.TooLarge:
                    await OpenAiErrors.WriteAsync(context.Response, 502, "The prefill pod's answer is larger than the router accepts.").ConfigureAwait(false);
                    return LegResult.Finished;
                case BufferReadResult.OverBudget:
                    await RefuseForBudgetAsync(context.Response, "prefill answer", exchange.PrefillAnswer.Length, requestId).ConfigureAwait(false);
                    exchange.PrefillAnswer.Release();
                    return LegResult.Finished;
            }

            return LegResult.Succeeded;
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            if (clientAborted.IsCancellationRequested)
            {
                // Cancelling the call makes vLLM abort the request and free what it held (protocol.md §6).
                leg.Outcome = BackendOutcome.Cancelled;
                _metrics.ClientDisconnected(DisconnectPhase.Prefill);
                Log.ClientDisconnected(_logger, requestId, "prefill");
                return LegResult.Finished;
            }

            return LegFailure(ref leg, "prefill", timeout, exception, requestId);
        }
        finally
        {
            prefill.Release();
            // The prefill pod may have room now, while this request's decode goes on for a while: a request waiting
            // for it must not wait for the whole of this one (or the queue's next pump) to end.
            _flow.PodReleased();
            answer?.Dispose();
            EndLeg(ref leg, exchange);

            // After EndLeg, which unhooks the client's abort, so the hook cannot half-close a connection after this.
            exchange.PrefillAbort.CloseHalfClosed();
        }
    }

    /// <summary>
    /// Finds kv_transfer_params in the prefill answer and writes the decode leg's copy of it. Returns null when
    /// there is none: then the policy decides between recomputing on decode and failing (already answered).
    /// </summary>
    private async Task<BodySegments?> ReadKvTransferParamsAsync(HttpContext context, string requestId, Backend prefill, ProxyExchange exchange)
    {
        List<string>? keys = _logger.IsEnabled(LogLevel.Debug) ? [] : null;
        bool parsed = PrefillAnswerReader.TryRead(exchange.PrefillAnswer.Sequence, out KvTransferParamsLocation location, keys);
        if (exchange.PrefillStartedAt != 0)
        {
            _requestLog.PrefillCompleted(Stopwatch.GetElapsedTime(exchange.PrefillStartedAt).TotalSeconds, requestId);
        }
        if (keys is not null)
        {
            Log.PrefillResponseKeys(_logger, string.Join(", ", keys), requestId);
        }

        if (location.Found && location.RemoteHost == RemoteHostState.Malformed)
        {
            // Not a host at all: under never the router would send decode to pull KV from wherever it points, so the
            // request fails instead; otherwise it is replaced like a loopback one. The prefill pod misbehaves either way.
            if (_options.KvRemoteHost == RemoteHostPolicy.Never)
            {
                Log.MalformedRemoteHostRefused(_logger, prefill.Name, requestId);
                await OpenAiErrors.WriteAsync(context.Response, 502, "The prefill pod returned a kv_transfer_params.remote_host that is not a host name or IP address.").ConfigureAwait(false);
                return null;
            }

            Log.MalformedRemoteHostReplaced(_logger, prefill.Name, requestId);
        }

        if (location.Found)
        {
            KvTransferParamsRewriter.Write(exchange.PrefillAnswer.Sequence, location, _options.KvRemoteHost, prefill.HostJson, exchange.KvTransferParams);
            return exchange.KvTransferParams;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            // The client left while prefill ran and the pod, seeing the router's side shut, aborted the request: its
            // answer holds no params because nobody waits for it, not because the pod misbehaves. The caller counts a
            // prefill disconnect.
            return null;
        }

        _metrics.MissingKvParams(_options.OnMissingKvParams);
        string why = parsed ? "no kv_transfer_params" : "an answer that is not a JSON object";
        if (_options.OnMissingKvParams == MissingKvParamsPolicy.Fail)
        {
            Log.MissingKvParamsFailing(_logger, prefill.Name, why, requestId);
            await OpenAiErrors.WriteAsync(context.Response, 502, "The prefill pod returned " + why + "; the router is configured to fail such requests.").ConfigureAwait(false);
            return null;
        }

        Log.MissingKvParamsFallingBack(_logger, prefill.Name, why, requestId);
        return null;
    }

    /// <summary>
    /// Sends the decode leg and relays its answer. A failure before the first byte reached the client
    /// (transport, timeout, 5xx: decode may have failed to load the KV) is retryable by redoing the flow.
    /// </summary>
    /// <param name="decodeOnly">
    /// No prefill ran for this call (<see cref="Disaggregation.DisaggregationDecision"/>): it carries no params, so a
    /// client's abort cancels it at once and there is no KV handoff to time.
    /// </param>
    private async Task<LegResult> RunDecodeAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, ProxyExchange exchange, bool decodeOnly = false)
    {
        CancellationToken clientAborted = context.RequestAborted;
        LegState leg = BeginLeg(context, endpoint, requestId, decode, exchange.DecodeBody, _options.DecodeFirstByteTimeout, exchange);
        exchange.DecodeAbort.Arm(leg.Timeout, leg.Content, leg.WaitStartedAt, _options.DecodeFirstByteTimeout, kvAtStake: !decodeOnly);
        leg.ClientAbort = clientAborted.UnsafeRegister(DecodeAbortHook.OnClientAbort, exchange.DecodeAbort);
        exchange.DecodeContent = leg.Content;
        _requestLog.SendingDecode(leg.Request.RequestUri!, requestId);
        HttpResponseMessage? answer = null;
        try
        {
            answer = await decode.Invoker.SendAsync(leg.Request, leg.Timeout.Token).ConfigureAwait(false);

            exchange.DecodeAbort.Answered();
            if (clientAborted.IsCancellationRequested)
            {
                // The client left before decode answered, so the hook's grace holds: a pod may send its headers
                // before its engine has the request (vLLM does for a stream), and closing it then would leave the
                // prefill's blocks held. Once the grace is over the pod has the params, and closing the connection
                // (disposing the answer below) makes it abort and free them.
                await Task.Delay(Timeout.InfiniteTimeSpan, leg.Timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return ClientLeftDuringDecode(ref leg, requestId);
            }

            LegResult? failed = await CheckStatusAsync(context, answer, "decode", requestId, leg.Timeout.Token, ref leg).ConfigureAwait(false);
            if (failed is { } result)
            {
                return result;
            }

            var relay = new RelayTelemetry(_metrics, decode, leg.Call, exchange.Clock.StartedAt, decodeOnly ? 0 : exchange.PrefillAnsweredAt);
            switch (await DecodeRelay.RelayAsync(context, answer, _options.StreamIdleTimeout, leg.Timeout, relay, exchange).ConfigureAwait(false))
            {
                case RelayOutcome.Completed:
                    return LegResult.Succeeded;
                case RelayOutcome.ClientDisconnected:
                    return ClientLeftDuringDecode(ref leg, requestId);
                case RelayOutcome.FailedBeforeFirstByte:
                    leg.PodFailed = true;
                    leg.Outcome = BackendOutcome.StreamBroken;
                    return LegResult.Retryable(
                        502, OpenAiErrors.Serialize(502, "The decode pod " + decode.Name + " broke off before its first byte."), "broken_before_first_byte", RetryReason.ConnectionError);
                default:
                    leg.PodFailed = true;
                    leg.Outcome = BackendOutcome.StreamBroken;
                    Log.DecodeStreamBroke(_logger, decode.Name, requestId);
                    return LegResult.Succeeded;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            if (clientAborted.IsCancellationRequested)
            {
                LegResult left = ClientLeftDuringDecode(ref leg, requestId);
                return exchange.DecodeAbort.LeftWhileTaken ? LegResult.FinishedReleasing(KvReleaseCause.ClientLeft) : left;
            }

            return LegFailure(ref leg, "decode", _options.DecodeFirstByteTimeout, exception, requestId);
        }
        finally
        {
            // Disposing an unfinished answer closes its connection (no drain, see BackendHandlerFactory), so an
            // abandoned generation stops on the pod at once.
            answer?.Dispose();
            EndLeg(ref leg, exchange);
        }
    }

    private LegResult ClientLeftDuringDecode(ref LegState leg, string requestId)
    {
        leg.Outcome = BackendOutcome.Cancelled;
        _metrics.ClientDisconnected(DisconnectPhase.Decode);
        Log.ClientDisconnected(_logger, requestId, "decode");
        return LegResult.Finished;
    }

    /// <summary>
    /// Prefill answered, but decode will not run with its params (<see cref="KvReleaseCause"/>): the client left before
    /// decode started, decode turned the request down (a 4xx for a value only the decode leg carries, such as
    /// <c>max_tokens</c> past the context window: prefill ran with one token), or the decode pod picked failed before
    /// it answered and <paramref name="decode"/> is another one, or the same when it is the route's only one
    /// (<see cref="ReleaseAfterDecodeFailureAsync"/>). The prefill pod holds KV blocks for a decode that will never
    /// come. With --disconnect-kv-release decode (the default) decode is sent the params in a one-token streaming
    /// request (protocol.md §6) whose answer is read to its end and thrown away: the pod pulls (or, aborted,
    /// releases) the blocks.
    /// </summary>
    private async Task ReleaseKvAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, ProxyExchange exchange, BodySegments? kvTransferParams, KvReleaseCause cause)
    {
        if (!ReleasesThroughDecode(cause, kvTransferParams, requestId))
        {
            return;
        }

        // A rejected or failed decode's body may still be being written from DecodeBody (a pod can answer before it
        // has read all of it): then the drain gets a list of its own, and the exchange remembers whether the old one
        // was idle.
        BodySegments drainBody = exchange.DecodeBody;
        if (exchange.DecodeContent is { } rejected)
        {
            exchange.NoteContent(rejected);
            drainBody = new BodySegments();
        }

        LegBodyBuilder.BuildDrain(exchange.RequestBody.Sequence, exchange.Scan, kvTransferParams, drainBody);
        var content = new SegmentedContent(drainBody);
        exchange.DecodeContent = content;
        using HttpRequestMessage request = CreateRequest(decode, endpoint, content, requestId, LegTraceParent(null, context, exchange));

        // A drain is one token: a pod that takes longer over it than a decode may take to its first byte has failed.
        using var timeout = new CancellationTokenSource(_options.DecodeFirstByteTimeout < DrainTimeout ? _options.DecodeFirstByteTimeout : DrainTimeout);
        bool podFailed = false;
        long waitStarted = RequestClock.BeginWait();
        try
        {
            using HttpResponseMessage answer = await decode.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            int status = (int)answer.StatusCode;

            // Read to its end, not closed at the headers: a pod may send a stream's headers before its engine has the
            // request (vLLM does), and one closed then never sees the params. A one-token answer ends soon after. Any
            // other status is a refusal with nothing to wait for (and a 101's "body" would be the raw connection).
            if (status is >= 200 and < 300)
            {
                await answer.Content.CopyToAsync(Stream.Null, timeout.Token).ConfigureAwait(false);
            }

            // After a failed decode the params may have been pulled after all: a pod then failing to load them again is
            // not at fault (protocol.md §6).
            podFailed = status >= 500 && cause is KvReleaseCause.ClientLeft or KvReleaseCause.DecodeRejected or KvReleaseCause.DecodeUnreached;
            _metrics.DecodeDrained(cause);
            LogKvRelease(cause, "decode sent the params and its answer was read and thrown away (" + decode.Name + ", status " + status.ToString(CultureInfo.InvariantCulture) + ")", requestId);
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            podFailed = true;
            LogKvRelease(cause, "decode " + decode.Name + " could not be told (" + exception.Message + "); left to the prefill's lease", requestId);
        }
        finally
        {
            decode.RecordCall(podFailed);
            ReportHealth(decode, podFailed);
            exchange.NoteContent(content);
            exchange.Clock.EndWait(waitStarted);
        }
    }

    /// <summary>
    /// After a decode pod failed before it answered (<paramref name="cause"/>): its params, which it may not have
    /// taken, go to another decode pod of the route only so the prefill pod frees their blocks, once. With no other
    /// decode pod they go to the same one, which answered the connection and may well answer a one-token call, unless
    /// it could not be reached at all: then they are left to the lease.
    /// </summary>
    private async Task ReleaseAfterDecodeFailureAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, ModelRoute route, Backend failed, List<Backend> triedDecode, ProxyExchange exchange, BodySegments? kvTransferParams, KvReleaseCause cause)
    {
        // Checked before a pod is picked, so a release that will not be sent moves no pod's turn.
        if (!ReleasesThroughDecode(cause, kvTransferParams, requestId))
        {
            return;
        }

        Backend? other = _picker.Pick(route.Decode, ref route.NextDecode, triedDecode, new PickKeys(exchange.Scan.AffinityKey), out _);
        if (other is null || ReferenceEquals(other, failed))
        {
            if (cause == KvReleaseCause.DecodeUnreached)
            {
                LogKvRelease(cause, "no other decode pod to tell; left to the prefill's lease", requestId);
                return;
            }

            other = failed;
        }

        other.Reserve();
        try
        {
            await ReleaseKvAsync(context, endpoint, requestId, other, exchange, kvTransferParams, cause).ConfigureAwait(false);
        }
        finally
        {
            other.Release();
        }
    }

    /// <summary>
    /// Whether a release is sent at all: not when the prefill returned no params, nor under
    /// <c>--disconnect-kv-release lease</c>. Either way not sending is logged.
    /// </summary>
    private bool ReleasesThroughDecode(KvReleaseCause cause, [NotNullWhen(true)] BodySegments? kvTransferParams, string requestId)
    {
        if (kvTransferParams is not null && _options.DisconnectKvRelease != DisconnectKvRelease.Lease)
        {
            return true;
        }

        LogKvRelease(cause, kvTransferParams is null ? "nothing to release" : "left to the prefill's lease", requestId);
        return false;
    }

    private void LogKvRelease(KvReleaseCause cause, string what, string requestId)
    {
        switch (cause)
        {
            case KvReleaseCause.ClientLeft:
                Log.DisconnectedBeforeDecode(_logger, what, requestId);
                break;
            case KvReleaseCause.DecodeRejected:
                Log.DecodeRejectedKv(_logger, what, requestId);
                break;
            case KvReleaseCause.DecodeUnreached:
                Log.DecodeUnreachedKv(_logger, what, requestId);
                break;
            case KvReleaseCause.DecodeReset:
                Log.DecodeResetKv(_logger, what, requestId);
                break;
            case KvReleaseCause.DecodeServerError:
                Log.DecodeServerErrorKv(_logger, what, requestId);
                break;
            default:
                Log.DecodeTimeoutKv(_logger, what, requestId);
                break;
        }
    }

    /// <summary>
    /// Everything a leg sets up before it sends: the body, its metrics record and span, the request, the timeout.
    /// The caller then hooks the client's abort to the call, each leg in its own way (<see cref="PrefillAbortHook"/>,
    /// <see cref="DecodeAbortHook"/>).
    /// </summary>
    private LegState BeginLeg(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend pod, BodySegments body, TimeSpan timeout, ProxyExchange exchange)
    {
        var leg = new LegState
        {
            Pod = pod,
            WaitStartedAt = RequestClock.BeginWait(),
            Content = new SegmentedContent(body),
            Call = _metrics.BackendCallStarted(pod, exchange.Model),
            Span = RouterTracing.StartLeg(exchange.Span, pod, exchange.Model),
            Timeout = new CancellationTokenSource(timeout),
        };

        leg.Request = CreateRequest(pod, endpoint, leg.Content, requestId, LegTraceParent(leg.Span, context, exchange));
        return leg;
    }

    /// <summary>A leg's <c>traceparent</c>: its own span's when tracing, else the request's, the same for every leg.</summary>
    private static string LegTraceParent(Activity? legSpan, HttpContext context, ProxyExchange exchange) =>
        legSpan is not null ? RouterTracing.TraceParentFor(legSpan, context) : exchange.TraceParent ??= RouterTracing.TraceParentFor(null, context);

    /// <summary>Everything a leg records when it ends, whichever way: the pod's call count and health, metrics, span, wait.</summary>
    private void EndLeg(ref LegState leg, ProxyExchange exchange)
    {
        leg.Pod.RecordCall(leg.PodFailed);
        ReportHealth(leg.Pod, leg.PodFailed);
        _metrics.BackendCallCompleted(ref leg.Call, leg.Outcome);
        RouterTracing.CompleteLeg(leg.Span, leg.Outcome, leg.Status);
        exchange.NoteContent(leg.Content);
        leg.ClientAbort.Dispose();
        leg.Timeout.Dispose();
        leg.Request.Dispose();
        exchange.Clock.EndWait(leg.WaitStartedAt);
    }

    /// <summary>
    /// A pod's answer arrived: a 5xx is the pod's failure (retryable); another non-2xx is the client's mistake and is
    /// relayed at once, since another pod would say the same. Null when the answer is a success to go on with.
    /// </summary>
    private ValueTask<LegResult?> CheckStatusAsync(HttpContext context, HttpResponseMessage answer, string role, string requestId, CancellationToken cancellationToken, ref LegState leg)
    {
        _metrics.BackendFirstByte(ref leg.Call);
        int status = leg.Status = (int)answer.StatusCode;
        if (IsRelayableSuccess(status))
        {
            return ValueTask.FromResult<LegResult?>(null);
        }

        Log.BackendErrorStatus(_logger, role, leg.Pod.Name, status, requestId);
        KvReleaseCause? release = leg.Pod.Role == BackendRole.Decode ? KvReleaseCause.DecodeServerError : null;
        if (status >= 500)
        {
            leg.PodFailed = true;
            leg.Outcome = BackendOutcome.ServerError;
            return RetryableServerErrorAsync(answer, status, release, cancellationToken);
        }

        if (status is < 200 or >= 300 and < 400 or 204 or 205)
        {
            // No answer to a completion request at all (an informational status, a redirect, a success that may carry
            // no body): the pod's failure, like a 5xx, never the client's, and never relayed as is (Kestrel refuses a
            // body on a 204 or 304, and a redirect without its Location means nothing to the client).
            leg.PodFailed = true;
            leg.Outcome = BackendOutcome.ServerError;
            string message = "The " + role + " pod " + leg.Pod.Name + " answered " + status.ToString(CultureInfo.InvariantCulture) + ", which is no answer to a completion request.";
            return ValueTask.FromResult<LegResult?>(LegResult.Retryable(502, OpenAiErrors.Serialize(502, message), "status_unrelayable", RetryReason.ServerError, release));
        }

        leg.Outcome = BackendOutcome.ClientError;
        return RelayClientErrorAsync(context, answer, status, cancellationToken);
    }

    private static async ValueTask<LegResult?> RetryableServerErrorAsync(HttpResponseMessage answer, int status, KvReleaseCause? kvRelease, CancellationToken cancellationToken) =>
        LegResult.Retryable(status, await ReadErrorBodyAsync(answer, cancellationToken).ConfigureAwait(false), "status_5xx", RetryReason.ServerError, kvRelease);

    private static async ValueTask<LegResult?> RelayClientErrorAsync(HttpContext context, HttpResponseMessage answer, int status, CancellationToken cancellationToken)
    {
        await RelayBackendErrorAsync(context, status, await ReadErrorBodyAsync(answer, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return LegResult.Rejected;
    }

    private void ReportHealth(Backend backend, bool podFailed)
    {
        if (podFailed)
        {
            _health.ReportFailure(backend);
        }
        else
        {
            _health.ReportSuccess(backend);
        }
    }

    /// <summary>Where a leg of <paramref name="endpoint"/> goes on <paramref name="backend"/>.</summary>
    private static Uri LegUri(Backend backend, CompletionEndpoint endpoint) =>
        endpoint == CompletionEndpoint.ChatCompletions ? backend.ChatCompletionsUri : backend.CompletionsUri;

    private HttpRequestMessage CreateRequest(Backend backend, CompletionEndpoint endpoint, SegmentedContent content, string requestId, string traceParent)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, LegUri(backend, endpoint))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = content,
        };

        // Only what the protocol needs goes to a pod: the request id both legs share, the trace context, the backend key.
        request.Headers.TryAddWithoutValidation(RequestIds.HeaderName, requestId);
        request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        if (_backendAuthorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _backendAuthorization);
        }

        return request;
    }

    /// <summary>A transport failure or timeout of a leg: retryable, with the answer the client gets if it stays the last.</summary>
    private LegResult LegFailure(ref LegState leg, string role, TimeSpan timeout, Exception exception, string requestId)
    {
        leg.PodFailed = true;
        string name = leg.Pod.Name;
        bool decode = leg.Pod.Role == BackendRole.Decode;
        if (exception is OperationCanceledException)
        {
            leg.Outcome = BackendOutcome.Timeout;
            Log.LegTimedOut(_logger, role, name, timeout.TotalSeconds, requestId);
            string seconds = timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            return LegResult.Retryable(
                504, OpenAiErrors.Serialize(504, "The " + role + " pod " + name + " did not answer within " + seconds + " s."), "timeout", RetryReason.Timeout, decode ? KvReleaseCause.DecodeTimeout : null);
        }

        leg.Outcome = BackendOutcome.ConnectionError;
        Log.LegFailed(_logger, role, name, exception.Message, requestId);

        // HttpClient says ConnectionError or NameResolutionError only when no connection could be opened for the
        // request; a failure on an open connection (reset, closed mid-answer) is another error, and the pod may have
        // read the whole request.
        bool unreached = exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
        KvReleaseCause? kvRelease = !decode ? null : unreached ? KvReleaseCause.DecodeUnreached : KvReleaseCause.DecodeReset;
        return LegResult.Retryable(502, OpenAiErrors.Serialize(502, "The " + role + " pod " + name + " could not be reached: " + exception.Message), "connect_error", RetryReason.ConnectionError, kvRelease);
    }

    /// <summary>A backend's error body, made OpenAI-shaped; empty when it cannot be read.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadErrorBodyAsync(HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var buffer = new PooledBuffer();
        try
        {
            Stream stream = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await buffer.ReadToEndAsync(stream, null, MaxErrorBodyBytes, budget: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            // The status says enough; the body is a courtesy.
        }

        try
        {
            return BackendErrorNormalizer.Normalize((int)answer.StatusCode, buffer.Memory[..Math.Min(buffer.Length, MaxErrorBodyBytes)]).ToArray();
        }
        finally
        {
            buffer.Release();
        }
    }

    private static Task RelayBackendErrorAsync(HttpContext context, int status, ReadOnlyMemory<byte> body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>A success whose answer the client can be given as it is: 2xx, less those that carry no body.</summary>
    private static bool IsRelayableSuccess(int status) => status is >= 200 and < 300 and not 204 and not 205;
}
