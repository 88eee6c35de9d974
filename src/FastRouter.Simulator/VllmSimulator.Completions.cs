using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>
/// The generation path, in the order vLLM runs it: read and validate the body, apply an armed fault, get the
/// prompt's KV (compute it, or pull it from prefill), generate, answer as JSON or SSE.
/// </summary>
internal sealed partial class VllmSimulator
{
    private async Task HandleCompletionAsync(HttpContext context, CompletionKind kind)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            Stats.Increment(SimulatorCounter.ErrorsReturned);
            await HttpResponses.WriteTextAsync(context, 405, "application/json", "{\"detail\":\"Method Not Allowed\"}", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        string? requestId = context.Request.Headers["X-Request-Id"];
        CompletionRequest? request;
        CompletionRequestError? error;
        try
        {
            (request, error) = await ReadRequestAsync(context, kind, requestId).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Stats.ClientAborted();
            return;
        }

        if (request is null)
        {
            Stats.Increment(SimulatorCounter.ErrorsReturned);
            await HttpResponses.WriteErrorAsync(context, error!.StatusCode, error.Type, error.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _running);
        // The request's KV blocks are in use while it is served (vLLM's kv_cache_usage_perc counts those, not the
        // prefix cache's idle blocks, which are free to evict).
        int heldBlocks = _engine?.HoldBlocks(request.Rendered!) ?? 0;
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await ServeAsync(context, request, requestId, linked.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsClientGone(exception, linked.IsCancellationRequested || context.RequestAborted.IsCancellationRequested))
        {
            if (_stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                // The simulator is stopping: drop the connection as a dying pod would.
                context.Abort();
            }
            else
            {
                Stats.ClientAborted();
            }
        }
        finally
        {
            _engine?.ReleaseBlocks(heldBlocks);
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// Whether a serve ended because its client (or the simulator's stop) went away. A write can fail with Kestrel's
    /// ConnectionAbortedException or ConnectionResetException before RequestAborted is signalled (Kestrel cancels that
    /// token from the thread pool), so those count as the client gone too, or a loaded machine would miss the abort.
    /// </summary>
    private static bool IsClientGone(Exception exception, bool cancelled) =>
        exception is Microsoft.AspNetCore.Connections.ConnectionAbortedException or Microsoft.AspNetCore.Connections.ConnectionResetException
        || (exception is OperationCanceledException && cancelled);

    /// <summary>Reads the whole body once, records it, and parses it in place from Kestrel's buffers.</summary>
    private async Task<(CompletionRequest? Request, CompletionRequestError? Error)> ReadRequestAsync(HttpContext context, CompletionKind kind, string? requestId)
    {
        PipeReader reader = context.Request.BodyReader;
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        try
        {
            ReadOnlySequence<byte> body = result.Buffer;
            if (_recorder.IsEnabled)
            {
                Record(context, body.ToArray());
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(body, SimulatorJson.DocumentOptions);
                CompletionRequest? request = CompletionRequestParser.Parse(document.RootElement, kind, requestId, _options, out CompletionRequestError? error);
                return (request, error);
            }
            catch (JsonException exception)
            {
                return (null, new CompletionRequestError(400, "BadRequestError", "JSON decode error: " + exception.Message));
            }
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }

    private async Task ServeAsync(HttpContext context, CompletionRequest request, string? requestId, CancellationToken cancellationToken)
    {
        TimeSpan extraDelay = TimeSpan.Zero;
        TimeSpan bodyDelay = TimeSpan.Zero;
        int dropBeforeEvent = -1;
        if (Faults.TryTake(request.Stream, request.KvIntent == KvTransferIntent.RemotePrefill, out SimulatorFault fault))
        {
            Stats.Increment(SimulatorCounter.FaultsInjected);
            switch (fault.Mode)
            {
                case SimulatorFaultMode.Status500:
                    await WriteErrorAsync(context, 500, "InternalServerError", "Simulated engine failure (fault injection).", cancellationToken).ConfigureAwait(false);
                    return;
                case SimulatorFaultMode.Status503:
                    await WriteErrorAsync(context, 503, "ServiceUnavailableError", "The engine is overloaded (fault injection).", cancellationToken).ConfigureAwait(false);
                    return;
                case SimulatorFaultMode.ResetConnection:
                    context.Abort();
                    return;
                case SimulatorFaultMode.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, cancellationToken).ConfigureAwait(false);
                    return;
                case SimulatorFaultMode.FailKvPull:
                    Stats.Increment(SimulatorCounter.DecodesWithKv);
                    Stats.Increment(SimulatorCounter.KvPullsFailed);
                    await WriteErrorAsync(context, 500, "InternalServerError", "failed to load KV cache from " + request.RemoteKv!.Authority, cancellationToken).ConfigureAwait(false);
                    return;
                case SimulatorFaultMode.SlowPrefill:
                    extraDelay = fault.Delay;
                    break;
                case SimulatorFaultMode.DropMidStream:
                    dropBeforeEvent = fault.AfterEvents;
                    break;
                case SimulatorFaultMode.SlowAnswerBody:
                    bodyDelay = fault.Delay;
                    break;
                default:
                    break;
            }
        }

        int completionTokens = request.MaxTokens;
        string finishReason = "length";
        bool holdKvForDecode = false;
        switch (request.KvIntent)
        {
            case KvTransferIntent.RemotePrefill:
                Stats.Increment(SimulatorCounter.DecodesWithKv);
                if (_engine is not null)
                {
                    // Only the pull's duration and counting follow the model; the side channel exchange stays.
                    await _engine.PullAsync(request.Rendered!, cancellationToken).ConfigureAwait(false);
                }

                if (!await PullKvAsync(request.RemoteKv!, requestId, cancellationToken).ConfigureAwait(false))
                {
                    Stats.Increment(SimulatorCounter.KvPullsFailed);
                    await WriteErrorAsync(context, 500, "InternalServerError", "failed to load KV cache from " + request.RemoteKv!.Authority, cancellationToken).ConfigureAwait(false);
                    return;
                }

                Stats.Increment(SimulatorCounter.KvPullsSucceeded);
                break;
            case KvTransferIntent.RemoteDecode when _leases is not null:
                Stats.Increment(SimulatorCounter.PrefillsWithKv);

                // Prefill for a remote decode samples one token; with the Null shape it is the end of the text.
                completionTokens = 1;
                holdKvForDecode = _options.KvShape != KvParamsShape.Null;
                finishReason = holdKvForDecode ? "length" : "stop";
                await ComputePromptAsync(request, cancellationToken).ConfigureAwait(false);
                break;
            default:
                Stats.Increment(_options.Role == SimulatorRole.Decode ? SimulatorCounter.DecodesRecomputed : SimulatorCounter.PrefillsWithoutKv);
                await ComputePromptAsync(request, cancellationToken).ConfigureAwait(false);
                break;
        }

        await DelayAsync(extraDelay, cancellationToken).ConfigureAwait(false);
        bool completed = request.Stream
            ? await StreamAsync(context, request, completionTokens, finishReason, holdKvForDecode, dropBeforeEvent, cancellationToken).ConfigureAwait(false)
            : await RespondAsync(context, request, completionTokens, finishReason, holdKvForDecode, bodyDelay, cancellationToken).ConfigureAwait(false);
        if (completed)
        {
            Stats.Increment(SimulatorCounter.CompletionsServed);
            Stats.Add(SimulatorCounter.PromptTokens, request.PromptTokens);
            Stats.Add(SimulatorCounter.GenerationTokens, completionTokens);
        }
    }

    private async Task<bool> PullKvAsync(RemoteKvParams kv, string? requestId, CancellationToken cancellationToken)
    {
        try
        {
            await DelayAsync(_options.KvPullDelay, cancellationToken).ConfigureAwait(false);
            return await _kvClient.TryPullAsync(kv, requestId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // vLLM's decode engine tells prefill to free the blocks when its request is aborted before it
            // loaded them; otherwise they stay held until the lease runs out.
            Stats.Increment(SimulatorCounter.KvReleasesSent);
            await _kvClient.TryReleaseAsync(kv, requestId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> RespondAsync(
        HttpContext context,
        CompletionRequest request,
        int completionTokens,
        string finishReason,
        bool holdKvForDecode,
        TimeSpan bodyDelay,
        CancellationToken cancellationToken)
    {
        if (_engine is null)
        {
            await DelayAsync(InterTokenLatency(completionTokens - 1), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _engine.StreamStarted();
            bool finished = false;
            try
            {
                for (int i = 1; i < completionTokens; i++)
                {
                    await _engine.NextTokenAsync(cancellationToken).ConfigureAwait(false);
                }

                finished = true;
            }
            finally
            {
                _engine.StreamEnded(request.Rendered!, finished ? completionTokens : 0);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        KvLease? lease = holdKvForDecode ? GrantLease(request) : null;
        try
        {
            await HttpResponses.WriteJsonAsync(
                context,
                200,
                (Sim: this, Request: request, Tokens: completionTokens, Finish: finishReason, Lease: lease),
                static (writer, s) => CompletionResponseWriter.WriteNonStreaming(
                    writer, s.Request, s.Sim._options.Model, s.Sim.UnixNow(), s.Tokens, s.Finish, s.Sim._advertisement, s.Lease),
                cancellationToken,
                bodyDelay > TimeSpan.Zero ? () => DelayAsync(bodyDelay, cancellationToken) : null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lease is not null)
        {
            // The answer carrying the params never left: nobody can pull these blocks, so free them as vLLM does on abort.
            _leases!.TryEnd(lease.BlockIds, KvLeaseOutcome.Released);
            throw;
        }

        return true;
    }

    private async Task<bool> StreamAsync(
        HttpContext context,
        CompletionRequest request,
        int completionTokens,
        string finishReason,
        bool holdKvForDecode,
        int dropBeforeEvent,
        CancellationToken cancellationToken)
    {
        using var events = new SseEventWriter(context, Stats, dropBeforeEvent);
        await events.StartAsync(cancellationToken).ConfigureAwait(false);
        string model = _options.Model;
        long created = UnixNow();
        Utf8JsonWriter? json;
        if (request.Kind == CompletionKind.Chat)
        {
            if ((json = await events.BeginJsonEventAsync().ConfigureAwait(false)) is null)
            {
                return false;
            }

            CompletionResponseWriter.WriteRoleChunk(json, request, model, created);
            await events.EndEventAsync(cancellationToken).ConfigureAwait(false);
        }

        _engine?.StreamStarted();
        int sent = 0;
        try
        {
            for (int i = 0; i < completionTokens; i++)
            {
                if (i > 0)
                {
                    await (_engine is null ? DelayAsync(_options.InterTokenLatency, cancellationToken) : _engine.NextTokenAsync(cancellationToken)).ConfigureAwait(false);
                }

                if ((json = await events.BeginJsonEventAsync().ConfigureAwait(false)) is null)
                {
                    return false;
                }

                CompletionResponseWriter.WriteTokenChunk(json, request, model, created, i, i == completionTokens - 1 ? finishReason : null);
                await events.EndEventAsync(cancellationToken).ConfigureAwait(false);
                sent = i + 1;
            }
        }
        finally
        {
            // What the client received is what the pod caches: the next turn's prompt extends exactly these bytes.
            _engine?.StreamEnded(request.Rendered!, sent);
        }

        if (request.IncludeUsage)
        {
            if ((json = await events.BeginJsonEventAsync().ConfigureAwait(false)) is null)
            {
                return false;
            }

            CompletionResponseWriter.WriteUsageChunk(json, request, model, created, completionTokens);
            await events.EndEventAsync(cancellationToken).ConfigureAwait(false);
        }

        // A streamed prefill still holds its blocks, but stream chunks never carry kv_transfer_params, so
        // nobody can pull them: they stay until the lease expires, exactly the leak a router must avoid.
        if (holdKvForDecode)
        {
            GrantLease(request);
        }

        return await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
    }

    private KvLease GrantLease(CompletionRequest request)
    {
        int blocks = (request.PromptTokens + _options.KvBlockSize - 1) / _options.KvBlockSize;
        string remoteRequestId = string.Create(CultureInfo.InvariantCulture, $"{request.ResponseId}-{(uint)Random.Shared.NextInt64(0, 1L << 32):x8}");
        return _leases!.Grant(blocks, request.PromptTokens, remoteRequestId);
    }

    private Task WriteErrorAsync(HttpContext context, int statusCode, string type, string message, CancellationToken cancellationToken)
    {
        Stats.Increment(SimulatorCounter.ErrorsReturned);
        return HttpResponses.WriteErrorAsync(context, statusCode, type, message, cancellationToken);
    }

    /// <summary>The prompt's compute: fixed latencies without the engine model; with it, a queued batch on prefill or a stalling local prefill on decode.</summary>
    private Task ComputePromptAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        if (_engine is null)
        {
            return DelayAsync(PrefillLatency(request.PromptTokens), cancellationToken);
        }

        return _options.Role == SimulatorRole.Prefill
            ? (Task)_engine.PrefillAsync(request.Rendered!, cancellationToken)
            : _engine.LocalPrefillAsync(request.Rendered!, cancellationToken);
    }

    private TimeSpan PrefillLatency(int promptTokens) =>
        _options.PrefillTokensPerSecond > 0
            ? _options.PrefillBaseLatency + TimeSpan.FromSeconds(promptTokens / _options.PrefillTokensPerSecond)
            : _options.PrefillBaseLatency;

    private TimeSpan InterTokenLatency(int gaps) => gaps <= 0 ? TimeSpan.Zero : _options.InterTokenLatency * gaps;

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _timeProvider, cancellationToken);

    private long UnixNow() => _timeProvider.GetUtcNow().ToUnixTimeSeconds();
}
