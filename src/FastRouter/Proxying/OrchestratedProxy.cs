using System.Diagnostics;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Disaggregation;
using FastRouter.Discovery;
using FastRouter.FlowControl;
using FastRouter.Protocol;
using FastRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// The orchestrated prefill→decode flow for one client request (protocol.md §1):
/// accept → patch → prefill → read params → decode → relay, with failover (protocol.md §6: a failed prefill is
/// redone on another pod; a decode that fails before its first byte redoes the whole flow, never resending the
/// same kv_transfer_params). Thread-safe: one instance serves every request.
/// </summary>
internal sealed partial class OrchestratedProxy
{
    /// <summary>Retry-After of a 503 for a full buffer budget: bodies are let go as soon as decode answers.</summary>
    private const string BufferBudgetRetryAfter = "1";

    /// <summary>How much of a prefill answer is charged to the buffer budget even when it is full (see RunPrefillAsync).</summary>
    private const long PrefillAnswerOverdraw = 64 * 1024;

    private const string BufferBudgetMessage = "The router is buffering as many request bytes as it may (--max-buffered-bytes); retry shortly.";

    private readonly RouterOptions _options;
    private readonly IBackendDiscovery _discovery;
    private readonly PodPicker _picker;
    private readonly PodHealthTracker _health;
    private readonly RouterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly RequestLog _requestLog;
    private readonly ProxyExchangePool _exchanges = new(maxSize: 1024);
    private readonly string? _backendAuthorization;
    private readonly long _maxPrefillAnswerBytes;
    private readonly OversizedBodyDiscarder _discarder;
    private readonly BufferBudget _budget;
    private readonly FlowController _flow;
    private readonly DecodeOnlyPolicy _decodeOnly;

    public OrchestratedProxy(
        RouterOptions options,
        IBackendDiscovery discovery,
        PodPicker picker,
        PodHealthTracker health,
        RouterMetrics metrics,
        OversizedBodyDiscarder discarder,
        BufferBudget budget,
        FlowController flow,
        TimeProvider time,
        ILogger<OrchestratedProxy> logger,
        IEnumerable<ILoggerProvider> loggerProviders)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _discarder = discarder;
        _budget = budget;
        _flow = flow;
        _decodeOnly = new DecodeOnlyPolicy(options, time);
        _discovery = discovery;
        _picker = picker;
        _health = health;
        _metrics = metrics;
        _logger = logger;
        _requestLog = new RequestLog(logger, typeof(OrchestratedProxy).FullName!, loggerProviders);
        _backendAuthorization = string.IsNullOrEmpty(options.BackendApiKey) ? null : "Bearer " + options.BackendApiKey;

        // A prefill answer echoes little of the prompt, but prompt_logprobs or prompt_token_ids can make it large.
        _maxPrefillAnswerBytes = Math.Max(16L * 1024 * 1024, 2 * options.MaxRequestBodyBytes);
    }

    /// <summary>Runs one completion request; <paramref name="admission"/> is left when it ends, however it ends.</summary>
    public async Task HandleAsync(HttpContext context, CompletionEndpoint endpoint, ConcurrencyGate admission)
    {
        // Set when the body was refused unread: its rest is dropped once the slot is given back.
        string? discardBodyOf = null;
        try
        {
            ProxyExchange exchange = _exchanges.Rent();
            exchange.Clock = RequestClock.Start();
            _metrics.RequestStarted();
            string requestId = RequestIds.FromHeaderOrNew(context.Request.Headers);
            context.Response.Headers[RequestIds.HeaderName] = requestId;
            exchange.Span = RouterTracing.StartRequest(context, endpoint, requestId);
            try
            {
                // The level is checked here, not only inside the log call, so a request that logs nothing reads no clock.
                if (await OrchestrateAsync(context, endpoint, requestId, exchange).ConfigureAwait(false) && _requestLog.IsEnabled)
                {
                    _requestLog.Completed(exchange.Clock.Elapsed.TotalSeconds, requestId);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // A bug must cost one request, never the process, and the client still gets an answer.
                Log.UnexpectedFailure(_logger, requestId, exception);
                if (!context.Response.HasStarted)
                {
                    await OpenAiErrors.WriteAsync(context.Response, 500, "The router failed to handle the request.").ConfigureAwait(false);
                }
                else
                {
                    context.Abort();
                }
            }
            catch (OperationCanceledException)
            {
                _metrics.ClientDisconnected(DisconnectPhase.Request);
                Log.ClientDisconnected(_logger, requestId, "request");
            }
            finally
            {
                bool disconnected = context.RequestAborted.IsCancellationRequested;
                int status = context.Response.StatusCode;
                TimeSpan elapsed = exchange.Clock.Elapsed;
                _metrics.RequestCompleted(endpoint, exchange.Scan.Stream, status, disconnected, elapsed, exchange.Clock.RouterTime(elapsed));
                if (exchange.Decision is { } decision)
                {
                    _metrics.DisaggregationDecided(decision);
                    RouterTracing.SetDecision(exchange.Span, decision);
                }

                RouterTracing.CompleteRequest(exchange.Span, status, disconnected, exchange.Model);
                if (exchange.RequestBodyLeftUnread && !disconnected)
                {
                    discardBodyOf = requestId;
                }

                ReleaseQueueTicket(exchange);

                if (exchange.TryReset())
                {
                    _exchanges.Return(exchange);
                }
            }
        }
        finally
        {
            // Last, and whatever happened above: a slot never given back would shrink the router's capacity for good.
            admission.Exit();
            _flow.RequestEnded();
        }

        // Outside the slot: the request is answered, and a client trickling the rest of a huge body must not keep a
        // request from being admitted. What bounds it is the discard's own limits.
        if (discardBodyOf is not null)
        {
            await _discarder.DiscardAsync(context, discardBodyOf).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the flow; returns true when it reached the client's answer (relayed, even if cut midway).</summary>
    private async Task<bool> OrchestrateAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, ProxyExchange exchange)
    {
        HttpResponse response = context.Response;

        // 1. Read the client's body into pooled memory, once.
        long waitStarted = RequestClock.BeginWait();
        bool bodyRead = await ReadRequestBodyAsync(context, requestId, exchange).ConfigureAwait(false);
        exchange.Clock.EndWait(waitStarted);
        if (!bodyRead)
        {
            return false;
        }

        // 2. One pass over it: validate the JSON, find the fields the legs change.
        ReadOnlyMemory<byte> body = exchange.RequestBody.Memory;
        if (!RequestScanner.TryScan(exchange.RequestBody.Sequence, _options.MaxJsonDepth, exchange.Scan, out RequestRejection rejection))
        {
            await OpenAiErrors.WriteAsync(response, 400, rejection.Message, rejection.Param).ConfigureAwait(false);
            return false;
        }

        // 3. Find the pods that serve the requested model.
        RequestScan scan = exchange.Scan;
        if (_options.SessionKey is { } sessionHeader && SessionAffinity.KeyOf(context.Request.Headers, sessionHeader) is var sessionKey and not 0)
        {
            scan.AffinityKey = sessionKey;
            scan.PrefixKey = sessionKey;
        }

        ReadOnlyMemory<byte> modelToken = scan.HasModel ? body[scan.ModelTokenStart..scan.ModelTokenEnd] : default;
        ModelRoute? route = _discovery.Current.Resolve(modelToken.Span);
        if (route is null)
        {
            string model = RoutingTable.DecodeModelName(modelToken.Span);
            await OpenAiErrors.WriteAsync(response, 404, "The model `" + model + "` does not exist.", "model").ConfigureAwait(false);
            return false;
        }

        exchange.Model = route.Model;
        _metrics.RequestRouted(route.Model);
        // Without prefill pods a request can still be served by decode alone, when the operator allows it.
        bool noPrefill = route.Prefill.Length == 0 && !_decodeOnly.ServesWithoutPrefill;
        if (noPrefill || route.Decode.Length == 0)
        {
            string role = noPrefill ? "prefill" : "decode";
            string suffix = route.Model is null ? "." : " for model `" + route.Model + "`.";
            await OpenAiErrors.WriteAsync(response, 503, "No " + role + " pod is available" + suffix).ConfigureAwait(false);
            return false;
        }

        // 3b. While every pod that could take it is saturated, wait in the router's queue rather than the engines'.
        if (_flow.MustWait(route) && !await WaitInQueueAsync(context, route, requestId, exchange).ConfigureAwait(false))
        {
            return false;
        }

        int retriesLeft = _options.MaxRetries;
        var prefillBudget = new PrefillBudget(_options.PrefillTimeout);
        List<Backend>? triedPrefill = null;
        List<Backend>? triedDecode = null;
        bool firstTry = true;
        bool prefillExhausted = false;
        while (true)
        {
            // 4. Pick the decode pod first: whether this try disaggregates depends on what that pod likely holds, and
            //    on whether any prefill pod can take the request (DecodeOnlyPolicy; both ways are off by default).
            Backend decode = _picker.Pick(route.Decode, ref route.NextDecode, triedDecode, new PickKeys(scan.AffinityKey), out PickReason decodeReason)!;
            DisaggregationDecision decision = _decodeOnly.Enabled
                ? _decodeOnly.Decide(scan, decodeReason, route.Prefill, prefillExhausted)
                : DisaggregationDecision.Disaggregated;
            exchange.Decision = decision;
            if (decision != DisaggregationDecision.Disaggregated)
            {
                LegResult served = await ServeDecodeOnlyAsync(context, endpoint, requestId, decode, decision, exchange).ConfigureAwait(false);
                if (served.Status != LegStatus.Retryable)
                {
                    return served.Status == LegStatus.Succeeded;
                }

                // No params went out, so nothing is held anywhere: another decode pod may simply be asked, and decide
                // again (the one picked by affinity may be the one that failed).
                if (retriesLeft == 0)
                {
                    await AnswerExhaustedAsync(context, served).ConfigureAwait(false);
                    return false;
                }

                retriesLeft--;
                _metrics.Retry(BackendRole.Decode, served.RetryReason);
                (triedDecode ??= []).Add(decode);
                Log.RetryingDecodeOnly(_logger, served.Reason!, decode.Name, requestId);
                exchange.PrepareRetry();
                continue;
            }

            // 5. Pick a prefill pod; the decode pod counts as busy from now on. The prefill body is the same for every
            //    attempt (one token, no stream, KV kept for a remote decode), built with the first that needs it.
            if (exchange.PrefillBody.Count == 0)
            {
                LegBodyBuilder.BuildPrefill(exchange.RequestBody.Sequence, scan, exchange.PrefillBody);
            }

            Backend prefill = _picker.Pick(route.Prefill, ref route.NextPrefill, triedPrefill, new PickKeys(scan.PrefixKey, scan.AffinityKey, scan.PromptTokens), out PickReason prefillReason)!;
            Log.PodsPicked(_logger, prefill.Name, MetricLabels.Of(prefillReason), decode.Name, MetricLabels.Of(decodeReason), requestId);
            _requestLog.Attempt(firstTry, prefill.Name, decode.Name, LegUri(prefill, endpoint), requestId);
            firstTry = false;
            decode.Reserve();
            try
            {
                // 6. Prefill leg, on another prefill pod after a failure while retries are left.
                //    Every attempt of the request, in this flow or a redone one, draws on one budget (PrefillBudget).
                //    The first attempt's "Sending prefill request" line went out with the try's first lines.
                LegResult prefillResult;
                bool announced = true;
                while (true)
                {
                    TimeSpan attemptTimeout = prefillBudget.NextAttempt(isLast: retriesLeft == 0);
                    long attemptStarted = Stopwatch.GetTimestamp();
                    prefillResult = await RunPrefillAsync(context, endpoint, requestId, prefill, exchange, attemptTimeout, announced).ConfigureAwait(false);
                    announced = false;
                    prefillBudget.Spend(attemptStarted);
                    if (prefillResult.Status != LegStatus.Retryable || retriesLeft == 0)
                    {
                        break;
                    }

                    retriesLeft--;
                    _metrics.Retry(BackendRole.Prefill, prefillResult.RetryReason);
                    (triedPrefill ??= []).Add(prefill);
                    prefill = _picker.Pick(route.Prefill, ref route.NextPrefill, triedPrefill, new PickKeys(scan.PrefixKey, scan.AffinityKey, scan.PromptTokens), out prefillReason)!;
                    Log.PrefillRetryPicked(_logger, prefill.Name, MetricLabels.Of(prefillReason), requestId);
                    Log.RetryingPrefill(_logger, prefillResult.Reason!, prefill.Name, requestId);
                }

                if (prefillResult.Status == LegStatus.Retryable && _decodeOnly.ServesWithoutPrefill && !context.RequestAborted.IsCancellationRequested)
                {
                    // Every prefill attempt failed: rather than answer the last prefill error, the next try is served
                    // decode-only (no_prefill). A failed prefill returned no params, so nothing is held for them.
                    prefillExhausted = true;
                    continue;
                }

                if (prefillResult.Status != LegStatus.Succeeded)
                {
                    await AnswerExhaustedAsync(context, prefillResult).ConfigureAwait(false);
                    return false;
                }

                // 7. Read kv_transfer_params from the answer and point remote_host at the prefill pod if needed.
                exchange.PrefillAnsweredAt = Stopwatch.GetTimestamp();
                BodySegments? kvTransferParams = await ReadKvTransferParamsAsync(context, requestId, prefill, exchange).ConfigureAwait(false);
                if (kvTransferParams is null && context.Response.HasStarted)
                {
                    // Refused (--on-missing-kv-params fail, or a remote_host that is no host under never): answered.
                    return false;
                }

                // 8. The client left while prefill ran: its KV blocks must still be freed (protocol.md §6).
                if (context.RequestAborted.IsCancellationRequested && kvTransferParams is null)
                {
                    // Nothing to release either way: the pod answered without params once the client had gone.
                    _metrics.ClientDisconnected(DisconnectPhase.Prefill);
                    Log.ClientDisconnected(_logger, requestId, "prefill");
                    return false;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    _metrics.ClientDisconnected(DisconnectPhase.Handoff);
                    await ReleaseKvAsync(context, endpoint, requestId, decode, exchange, kvTransferParams, KvReleaseCause.ClientLeft).ConfigureAwait(false);
                    return false;
                }

                // 9. Decode leg: the client's own body plus those params; its answer is relayed as it comes.
                LegBodyBuilder.BuildDecode(exchange.RequestBody.Sequence, scan, kvTransferParams, exchange.DecodeBody);
                LegResult decodeResult = await RunDecodeAsync(context, endpoint, requestId, decode, exchange).ConfigureAwait(false);
                if (decodeResult.Status == LegStatus.Rejected)
                {
                    // Decode turned the request down (its 4xx is the client's answer): vLLM validates a request
                    // before its engine sees the params, so they were never taken and the prefill still holds their
                    // blocks. They are freed as when the client leaves between the legs: a release, not a retry.
                    await ReleaseKvAsync(context, endpoint, requestId, decode, exchange, kvTransferParams, KvReleaseCause.DecodeRejected).ConfigureAwait(false);
                    return false;
                }

                if (decodeResult.Status == LegStatus.Finished && decodeResult.KvRelease is { } left)
                {
                    // The client left while decode may still have been taking the request in: its grace is a guess on
                    // the wall clock, so the params are released as when the client leaves between the legs.
                    await ReleaseKvAsync(context, endpoint, requestId, decode, exchange, kvTransferParams, left).ConfigureAwait(false);
                    return false;
                }

                if (decodeResult.Status != LegStatus.Retryable)
                {
                    return decodeResult.Status == LegStatus.Succeeded;
                }

                // 10. Decode failed before its first byte. A pod that received these params may have taken them, so they
                //     are never sent to decode again for a generation: the whole flow is redone on other pods, with new
                //     ones. When the pod failed before it answered (unreached, reset, 5xx, timeout) it may not have
                //     taken them, and the prefill pod would hold their blocks for its lease: they are sent once more,
                //     in a release drain, the one exception to that rule (protocol.md §6).
                (triedDecode ??= []).Add(decode);
                if (decodeResult.KvRelease is { } cause)
                {
                    await ReleaseAfterDecodeFailureAsync(context, endpoint, requestId, route, decode, triedDecode, exchange, kvTransferParams, cause).ConfigureAwait(false);
                }

                if (retriesLeft == 0)
                {
                    await AnswerExhaustedAsync(context, decodeResult).ConfigureAwait(false);
                    return false;
                }

                retriesLeft--;
                _metrics.Retry(BackendRole.Decode, decodeResult.RetryReason);
                (triedPrefill ??= []).Add(prefill);
                Log.RedoingFlow(_logger, decodeResult.Reason!, decode.Name, requestId);
                exchange.PrepareRetry();
            }
            finally
            {
                decode.Release();
            }
        }
    }

    /// <summary>Every attempt failed: the client gets the last failure's answer.</summary>
    private static Task AnswerExhaustedAsync(HttpContext context, LegResult result) =>
        result.Status != LegStatus.Retryable || context.RequestAborted.IsCancellationRequested || context.Response.HasStarted
            ? Task.CompletedTask
            : RelayBackendErrorAsync(context, result.ErrorStatus, result.ErrorBody);

    /// <summary>
    /// In place of steps 5 to 9: the decode leg alone, with the client's body as it came, relayed as every decode answer
    /// is (<see cref="RunDecodeAsync"/>). Only a <c>kv_transfer_params</c> of the client's own is left out, as from
    /// every decode leg: the router alone talks to the KV connector, and such params would have the pod pull KV from
    /// wherever they point. Nothing is held for the call, so it needs no release however it ends.
    /// </summary>
    private async Task<LegResult> ServeDecodeOnlyAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, DisaggregationDecision decision, ProxyExchange exchange)
    {
        _requestLog.DecodeOnly(decode.Name, decision, requestId);
        decode.Reserve();
        // The decode pod's count now shows this request: the queue may judge the next one.
        ReleaseQueueTicket(exchange);

        try
        {
            LegBodyBuilder.BuildDecode(exchange.RequestBody.Sequence, exchange.Scan, null, exchange.DecodeBody);
            return await RunDecodeAsync(context, endpoint, requestId, decode, exchange, decodeOnly: true).ConfigureAwait(false);
        }
        finally
        {
            decode.Release();
        }
    }

    /// <summary>
    /// Reads the client's body within the size limit and the buffer budget; answers 413, 503 or 400 and returns false
    /// otherwise. A 413 goes out as soon as the size is known (the announced length, or the running count of a chunked
    /// body), a 503 (with Retry-After) once the budget had no room within its wait; either is flushed, and marks the
    /// rest of the body for <see cref="OversizedBodyDiscarder"/>.
    /// </summary>
    private async Task<bool> ReadRequestBodyAsync(HttpContext context, string requestId, ProxyExchange exchange)
    {
        long limit = _options.MaxRequestBodyBytes;
        PooledBuffer buffer = exchange.RequestBody;
        if (context.Request.ContentLength is not long announced || announced > limit)
        {
            _discarder.LiftServerLimit(context);
        }

        BufferReadResult read;
        try
        {
            read = await buffer.ReadToEndAsync(context.Request.Body, context.Request.ContentLength, limit, _budget, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's own checks: its body size limit (413), a malformed chunked body (400).
            await RejectUnreadableBodyAsync(context, exception.StatusCode, exception, requestId).ConfigureAwait(false);
            return false;
        }
        catch (IOException exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Framing Kestrel's parser gives up on without a BadHttpRequestException: a chunk size past 64 bits comes
            // as an IOException around an OverflowException. The client's malformed request, not the router's failure.
            await RejectUnreadableBodyAsync(context, 400, exception, requestId).ConfigureAwait(false);
            return false;
        }

        if (read == BufferReadResult.Complete)
        {
            return true;
        }

        HttpResponse response = context.Response;
        bool discard = _discarder.AppliesTo(context.Request);
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            // The unread rest of the body makes the connection unusable for another request, and says so.
            response.Headers.Connection = "close";
        }

        if (read == BufferReadResult.OverBudget)
        {
            // Not the client's fault: the router is full for a moment, and the same body may be sent again.
            await RefuseForBudgetAsync(response, "request body", buffer.Length, requestId).ConfigureAwait(false);
        }
        else
        {
            await OpenAiErrors.WriteAsync(
                response,
                413,
                "The request body is larger than the limit of " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes.").ConfigureAwait(false);
        }

        // Sent now, not when the discard ends: a client that reads while it writes stops sending at once. The buffer
        // and its share of the budget are let go at once too, not after the discard.
        await response.CompleteAsync().ConfigureAwait(false);
        buffer.Release();
        exchange.RequestBodyLeftUnread = discard;
        return false;
    }

    /// <summary>A buffer that found no room in the budget within its wait: counted, logged, and a 503 with Retry-After.</summary>
    private Task RefuseForBudgetAsync(HttpResponse response, string what, int heldBytes, string requestId)
    {
        _budget.Rejected();
        Log.BufferBudgetExhausted(_logger, what, heldBytes, _budget.Limit, requestId);
        response.Headers.RetryAfter = BufferBudgetRetryAfter;
        return OpenAiErrors.WriteAsync(response, 503, BufferBudgetMessage);
    }

    /// <summary>A body whose framing cannot be read: the client's error, logged at Debug only, on a connection closed after it.</summary>
    private Task RejectUnreadableBodyAsync(HttpContext context, int status, Exception exception, string requestId)
    {
        Log.UnreadableBody(_logger, exception.Message, requestId);
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            // The framing is lost, so nothing after this request on the connection can be read either.
            context.Response.Headers.Connection = "close";
        }

        return OpenAiErrors.WriteAsync(context.Response, status, "The request body could not be read: " + exception.Message);
    }
}
