using System.Diagnostics;
using System.Globalization;
using System.Net;
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
    /// </summary>
    private async Task<LegResult> RunPrefillAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend prefill, ProxyExchange exchange)
    {
        CancellationToken clientAborted = context.RequestAborted;
        long waitStarted = RequestClock.BeginWait();
        var content = new SegmentedContent(exchange.PrefillBody);
        exchange.PrefillContent = content;
        BackendCall call = _metrics.BackendCallStarted(prefill, exchange.Model);
        Activity? leg = RouterTracing.StartLeg(exchange.Span, prefill, exchange.Model);
        using HttpRequestMessage request = CreateRequest(prefill, endpoint, content, requestId, RouterTracing.TraceParentFor(leg, context));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.PrefillTimeout);
        Log.SendingPrefill(_logger, request.RequestUri!, requestId);
        exchange.PrefillStartedAt = Stopwatch.GetTimestamp();
        prefill.Reserve();
        bool podFailed = false;
        BackendOutcome outcome = BackendOutcome.Success;
        int legStatus = 0;
        HttpResponseMessage? answer = null;
        try
        {
            answer = await prefill.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            _metrics.BackendFirstByte(ref call);
            int status = legStatus = (int)answer.StatusCode;
            if (status >= 500)
            {
                podFailed = true;
                outcome = BackendOutcome.ServerError;
                Log.BackendErrorStatus(_logger, "prefill", prefill.Name, status, requestId);
                return LegResult.Retryable(status, await ReadErrorBodyAsync(answer, timeout.Token).ConfigureAwait(false), "status_5xx", RetryReason.ServerError);
            }

            if (!IsSuccess(answer.StatusCode))
            {
                // The client's mistake (400, 404, 401...): another pod would say the same.
                outcome = BackendOutcome.ClientError;
                Log.BackendErrorStatus(_logger, "prefill", prefill.Name, status, requestId);
                await RelayBackendErrorAsync(context, status, await ReadErrorBodyAsync(answer, timeout.Token).ConfigureAwait(false)).ConfigureAwait(false);
                return LegResult.Finished;
            }

            // From here the prefill pod holds KV blocks for this request. Cancelling the read now would not free them
            // (the engine's request is already finished), so the answer is read even if the client leaves, and
            // step 8 has decode release them.
            using var answerTimeout = new CancellationTokenSource(_options.PrefillTimeout);
            Stream stream = await answer.Content.ReadAsStreamAsync(answerTimeout.Token).ConfigureAwait(false);
            if (!await exchange.PrefillAnswer.ReadToEndAsync(stream, answer.Content.Headers.ContentLength, _maxPrefillAnswerBytes, answerTimeout.Token).ConfigureAwait(false))
            {
                await OpenAiErrors.WriteAsync(context.Response, 502, "The prefill pod's answer is larger than the router accepts.").ConfigureAwait(false);
                return LegResult.Finished;
            }

            return LegResult.Succeeded;
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            if (clientAborted.IsCancellationRequested)
            {
                // Cancelling the call makes vLLM abort the request and free what it held (protocol.md §6).
                outcome = BackendOutcome.Cancelled;
                _metrics.ClientDisconnected(DisconnectPhase.Prefill);
                Log.ClientDisconnected(_logger, requestId, "prefill");
                return LegResult.Finished;
            }

            podFailed = true;
            outcome = exception is OperationCanceledException ? BackendOutcome.Timeout : BackendOutcome.ConnectionError;
            return LegFailure("prefill", prefill, _options.PrefillTimeout, exception, requestId);
        }
        finally
        {
            prefill.Release();
            prefill.RecordCall(podFailed);
            ReportHealth(prefill, podFailed);
            _metrics.BackendCallCompleted(ref call, outcome);
            RouterTracing.CompleteLeg(leg, outcome, legStatus);
            answer?.Dispose();
            exchange.NoteContent(content);
            exchange.Clock.EndWait(waitStarted);
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
        Log.PrefillCompleted(_logger, Stopwatch.GetElapsedTime(exchange.PrefillStartedAt).TotalSeconds, requestId);
        if (keys is not null)
        {
            Log.PrefillResponseKeys(_logger, string.Join(", ", keys), requestId);
        }

        if (location.Found)
        {
            KvTransferParamsRewriter.Write(exchange.PrefillAnswer.Sequence, location, _options.KvRemoteHost, prefill.HostJson, exchange.KvTransferParams);
            return exchange.KvTransferParams;
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
    private async Task<LegResult> RunDecodeAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, ProxyExchange exchange)
    {
        CancellationToken clientAborted = context.RequestAborted;
        long waitStarted = RequestClock.BeginWait();
        var content = new SegmentedContent(exchange.DecodeBody);
        exchange.DecodeContent = content;
        BackendCall call = _metrics.BackendCallStarted(decode, exchange.Model);
        Activity? leg = RouterTracing.StartLeg(exchange.Span, decode, exchange.Model);
        using HttpRequestMessage request = CreateRequest(decode, endpoint, content, requestId, RouterTracing.TraceParentFor(leg, context));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.DecodeFirstByteTimeout);
        Log.SendingDecode(_logger, request.RequestUri!, requestId);
        bool podFailed = false;
        BackendOutcome outcome = BackendOutcome.Success;
        int legStatus = 0;
        HttpResponseMessage? answer = null;
        try
        {
            answer = await decode.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            _metrics.BackendFirstByte(ref call);
            int status = legStatus = (int)answer.StatusCode;
            if (status >= 500)
            {
                podFailed = true;
                outcome = BackendOutcome.ServerError;
                Log.BackendErrorStatus(_logger, "decode", decode.Name, status, requestId);
                return LegResult.Retryable(status, await ReadErrorBodyAsync(answer, timeout.Token).ConfigureAwait(false), "status_5xx", RetryReason.ServerError);
            }

            if (!IsSuccess(answer.StatusCode))
            {
                outcome = BackendOutcome.ClientError;
                Log.BackendErrorStatus(_logger, "decode", decode.Name, status, requestId);
                await RelayBackendErrorAsync(context, status, await ReadErrorBodyAsync(answer, timeout.Token).ConfigureAwait(false)).ConfigureAwait(false);
                return LegResult.Finished;
            }

            var relay = new RelayTelemetry(_metrics, decode, call, exchange.Clock.StartedAt, exchange.PrefillAnsweredAt);
            switch (await DecodeRelay.RelayAsync(context, answer, _options.StreamIdleTimeout, timeout, relay).ConfigureAwait(false))
            {
                case RelayOutcome.Completed:
                    return LegResult.Succeeded;
                case RelayOutcome.ClientDisconnected:
                    outcome = BackendOutcome.Cancelled;
                    _metrics.ClientDisconnected(DisconnectPhase.Decode);
                    Log.ClientDisconnected(_logger, requestId, "decode");
                    return LegResult.Finished;
                case RelayOutcome.FailedBeforeFirstByte:
                    podFailed = true;
                    outcome = BackendOutcome.StreamBroken;
                    return LegResult.Retryable(
                        502, OpenAiErrors.Serialize(502, "The decode pod " + decode.Name + " broke off before its first byte."), "broken_before_first_byte", RetryReason.ConnectionError);
                default:
                    podFailed = true;
                    outcome = BackendOutcome.StreamBroken;
                    Log.DecodeStreamBroke(_logger, decode.Name, requestId);
                    return LegResult.Succeeded;
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            if (clientAborted.IsCancellationRequested)
            {
                outcome = BackendOutcome.Cancelled;
                _metrics.ClientDisconnected(DisconnectPhase.Decode);
                Log.ClientDisconnected(_logger, requestId, "decode");
                return LegResult.Finished;
            }

            podFailed = true;
            outcome = exception is OperationCanceledException ? BackendOutcome.Timeout : BackendOutcome.ConnectionError;
            return LegFailure("decode", decode, _options.DecodeFirstByteTimeout, exception, requestId);
        }
        finally
        {
            decode.RecordCall(podFailed);
            ReportHealth(decode, podFailed);
            _metrics.BackendCallCompleted(ref call, outcome);
            RouterTracing.CompleteLeg(leg, outcome, legStatus);
            exchange.Clock.EndWait(waitStarted);

            // Disposing the answer cancels a decode still running, so an abandoned generation stops on the pod.
            answer?.Dispose();
            exchange.NoteContent(content);
        }
    }

    /// <summary>
    /// The client left after prefill answered, before decode started: the prefill pod holds KV blocks for a decode
    /// that will never come. With --disconnect-kv-release decode (the default) decode is sent the params in a
    /// one-token streaming request and closed as soon as it answers: it pulls (or, aborted, releases) the blocks.
    /// </summary>
    private async Task ReleaseKvAfterDisconnectAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, ProxyExchange exchange, BodySegments? kvTransferParams)
    {
        if (kvTransferParams is null || _options.DisconnectKvRelease == DisconnectKvRelease.Lease)
        {
            Log.DisconnectedBeforeDecode(_logger, kvTransferParams is null ? "nothing to release" : "left to the prefill's lease", requestId);
            return;
        }

        LegBodyBuilder.BuildDrain(exchange.RequestBody.Sequence, exchange.Scan, kvTransferParams, exchange.DecodeBody);
        var content = new SegmentedContent(exchange.DecodeBody);
        exchange.DecodeContent = content;
        using HttpRequestMessage request = CreateRequest(decode, endpoint, content, requestId, RouterTracing.TraceParentFor(null, context));
        using var timeout = new CancellationTokenSource(DrainTimeout);
        bool podFailed = false;
        long waitStarted = RequestClock.BeginWait();
        try
        {
            using HttpResponseMessage answer = await decode.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            podFailed = (int)answer.StatusCode >= 500;
            _metrics.DecodeDrained();
            Log.DisconnectedBeforeDecode(_logger, "decode sent the params and closed (status " + ((int)answer.StatusCode).ToString(CultureInfo.InvariantCulture) + ")", requestId);
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            podFailed = true;
            Log.DisconnectedBeforeDecode(_logger, "decode could not be told (" + exception.Message + "); left to the prefill's lease", requestId);
        }
        finally
        {
            decode.RecordCall(podFailed);
            ReportHealth(decode, podFailed);
            exchange.NoteContent(content);
            exchange.Clock.EndWait(waitStarted);
        }
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

    private HttpRequestMessage CreateRequest(Backend backend, CompletionEndpoint endpoint, SegmentedContent content, string requestId, string traceParent)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint == CompletionEndpoint.ChatCompletions ? backend.ChatCompletionsUri : backend.CompletionsUri)
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
    private LegResult LegFailure(string role, Backend backend, TimeSpan timeout, Exception exception, string requestId)
    {
        if (exception is OperationCanceledException)
        {
            Log.LegTimedOut(_logger, role, backend.Name, timeout.TotalSeconds, requestId);
            string seconds = timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            return LegResult.Retryable(504, OpenAiErrors.Serialize(504, "The " + role + " pod " + backend.Name + " did not answer within " + seconds + " s."), "timeout", RetryReason.Timeout);
        }

        Log.LegFailed(_logger, role, backend.Name, exception.Message, requestId);
        return LegResult.Retryable(502, OpenAiErrors.Serialize(502, "The " + role + " pod " + backend.Name + " could not be reached: " + exception.Message), "connect_error", RetryReason.ConnectionError);
    }

    /// <summary>A backend's error body, made OpenAI-shaped; empty when it cannot be read.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadErrorBodyAsync(HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var buffer = new PooledBuffer();
        try
        {
            Stream stream = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await buffer.ReadToEndAsync(stream, null, MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
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

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}
