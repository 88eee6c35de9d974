using System.Diagnostics;
using System.Net;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>The two backend legs: how each is sent, and what the client gets when one fails.</summary>
internal sealed partial class OrchestratedProxy
{
    /// <summary>Most of a backend's error body that is read and relayed.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>
    /// Sends the prefill leg and reads its answer whole into <see cref="ProxyExchange.PrefillAnswer"/>.
    /// Returns false when the client has been answered (an error) or is gone.
    /// </summary>
    private async Task<bool> RunPrefillAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend prefill, ProxyExchange exchange)
    {
        CancellationToken clientAborted = context.RequestAborted;
        var content = new SegmentedContent(exchange.PrefillBody);
        exchange.PrefillContent = content;
        using HttpRequestMessage request = CreateRequest(prefill, endpoint, content, requestId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.PrefillTimeout);
        Log.SendingPrefill(_logger, request.RequestUri!, requestId);
        exchange.PrefillStartedAt = Stopwatch.GetTimestamp();
        prefill.OnRequestStarted();
        bool failed = true;
        HttpResponseMessage? answer = null;
        try
        {
            answer = await prefill.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!IsSuccess(answer.StatusCode))
            {
                failed = (int)answer.StatusCode >= 500;
                Log.BackendErrorStatus(_logger, "prefill", prefill.Name, (int)answer.StatusCode, requestId);
                await RelayBackendErrorAsync(context, answer, timeout.Token).ConfigureAwait(false);
                return false;
            }

            Stream stream = await answer.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            if (!await exchange.PrefillAnswer.ReadToEndAsync(stream, answer.Content.Headers.ContentLength, _maxPrefillAnswerBytes, timeout.Token).ConfigureAwait(false))
            {
                await OpenAiErrors.WriteAsync(context.Response, 502, "The prefill pod's answer is larger than the router accepts.").ConfigureAwait(false);
                return false;
            }

            failed = false;
            return true;
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            await AnswerLegFailureAsync(context, "prefill", prefill, _options.PrefillTimeout, exception, requestId).ConfigureAwait(false);
            return false;
        }
        finally
        {
            prefill.OnRequestFinished(failed);
            answer?.Dispose();
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

    /// <summary>Sends the decode leg and relays its answer to the client.</summary>
    private async Task RunDecodeAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, Backend decode, ProxyExchange exchange)
    {
        CancellationToken clientAborted = context.RequestAborted;
        var content = new SegmentedContent(exchange.DecodeBody);
        exchange.DecodeContent = content;
        using HttpRequestMessage request = CreateRequest(decode, endpoint, content, requestId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.DecodeFirstByteTimeout);
        Log.SendingDecode(_logger, request.RequestUri!, requestId);
        decode.OnRequestStarted();
        bool failed = true;
        HttpResponseMessage? answer = null;
        try
        {
            answer = await decode.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!IsSuccess(answer.StatusCode))
            {
                failed = (int)answer.StatusCode >= 500;
                Log.BackendErrorStatus(_logger, "decode", decode.Name, (int)answer.StatusCode, requestId);
                await RelayBackendErrorAsync(context, answer, timeout.Token).ConfigureAwait(false);
                return;
            }

            RelayOutcome outcome = await DecodeRelay.RelayAsync(context, answer, _options.StreamIdleTimeout, timeout).ConfigureAwait(false);
            failed = outcome == RelayOutcome.UpstreamFailed;
            if (outcome == RelayOutcome.ClientDisconnected)
            {
                Log.ClientDisconnected(_logger, requestId, "decode");
            }
            else if (failed)
            {
                Log.DecodeStreamBroke(_logger, decode.Name, requestId);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            await AnswerLegFailureAsync(context, "decode", decode, _options.DecodeFirstByteTimeout, exception, requestId).ConfigureAwait(false);
        }
        finally
        {
            decode.OnRequestFinished(failed);

            // Disposing the answer cancels a decode still running, so an abandoned generation stops on the pod.
            answer?.Dispose();
        }
    }

    private HttpRequestMessage CreateRequest(Backend backend, CompletionEndpoint endpoint, SegmentedContent content, string requestId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint == CompletionEndpoint.ChatCompletions ? backend.ChatCompletionsUri : backend.CompletionsUri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = content,
        };

        // Only what the protocol needs goes to a pod: the request id both legs share, and the backend key.
        request.Headers.TryAddWithoutValidation(RequestIds.HeaderName, requestId);
        if (_backendAuthorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _backendAuthorization);
        }

        return request;
    }

    /// <summary>Answers a transport failure or timeout of a leg, before any byte reached the client.</summary>
    private async Task AnswerLegFailureAsync(HttpContext context, string role, Backend backend, TimeSpan timeout, Exception exception, string requestId)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(_logger, requestId, role);
            return;
        }

        if (exception is OperationCanceledException)
        {
            Log.LegTimedOut(_logger, role, backend.Name, timeout.TotalSeconds, requestId);
            await OpenAiErrors.WriteAsync(
                context.Response,
                504,
                "The " + role + " pod " + backend.Name + " did not answer within " + timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + " s.").ConfigureAwait(false);
            return;
        }

        Log.LegFailed(_logger, role, backend.Name, exception.Message, requestId);
        await OpenAiErrors.WriteAsync(context.Response, 502, "The " + role + " pod " + backend.Name + " could not be reached: " + exception.Message).ConfigureAwait(false);
    }

    /// <summary>Relays a backend's error status with its body made OpenAI-shaped.</summary>
    private static async Task RelayBackendErrorAsync(HttpContext context, HttpResponseMessage answer, CancellationToken cancellationToken)
    {
        var buffer = new PooledBuffer();
        try
        {
            Stream stream = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await buffer.ReadToEndAsync(stream, null, MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
            int status = (int)answer.StatusCode;
            ReadOnlyMemory<byte> body = BackendErrorNormalizer.Normalize(status, buffer.Memory[..Math.Min(buffer.Length, MaxErrorBodyBytes)]);
            HttpResponse response = context.Response;
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            buffer.Release();
        }
    }

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}
