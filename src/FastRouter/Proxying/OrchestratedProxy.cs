using System.Diagnostics;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// The orchestrated prefill→decode flow for one client request (protocol.md §1):
/// accept → patch → prefill → read params → decode → relay. Thread-safe: one instance serves every request.
/// </summary>
internal sealed partial class OrchestratedProxy
{
    private readonly RouterOptions _options;
    private readonly IBackendDiscovery _discovery;
    private readonly ILogger _logger;
    private readonly ProxyExchangePool _exchanges = new(maxSize: 1024);
    private readonly string? _backendAuthorization;
    private readonly long _maxPrefillAnswerBytes;

    public OrchestratedProxy(RouterOptions options, IBackendDiscovery discovery, ILogger<OrchestratedProxy> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _discovery = discovery;
        _logger = logger;
        _backendAuthorization = string.IsNullOrEmpty(options.BackendApiKey) ? null : "Bearer " + options.BackendApiKey;

        // A prefill answer echoes little of the prompt, but prompt_logprobs or prompt_token_ids can make it large.
        _maxPrefillAnswerBytes = Math.Max(16L * 1024 * 1024, 2 * options.MaxRequestBodyBytes);
    }

    public async Task HandleAsync(HttpContext context, CompletionEndpoint endpoint)
    {
        long startedAt = Stopwatch.GetTimestamp();
        string requestId = RequestIds.FromHeaderOrNew(context.Request.Headers);
        context.Response.Headers[RequestIds.HeaderName] = requestId;
        ProxyExchange exchange = _exchanges.Rent();
        try
        {
            await OrchestrateAsync(context, endpoint, requestId, exchange).ConfigureAwait(false);
            Log.Completed(_logger, Stopwatch.GetElapsedTime(startedAt).TotalSeconds, requestId);
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
            Log.ClientDisconnected(_logger, requestId, "request");
        }
        finally
        {
            if (exchange.TryReset())
            {
                _exchanges.Return(exchange);
            }
        }
    }

    private async Task OrchestrateAsync(HttpContext context, CompletionEndpoint endpoint, string requestId, ProxyExchange exchange)
    {
        HttpResponse response = context.Response;

        // 1. Read the client's body into pooled memory, once.
        if (!await ReadRequestBodyAsync(context, exchange.RequestBody).ConfigureAwait(false))
        {
            return;
        }

        // 2. One pass over it: validate the JSON, find the fields the legs change.
        ReadOnlyMemory<byte> body = exchange.RequestBody.Memory;
        if (!RequestScanner.TryScan(exchange.RequestBody.Sequence, _options.MaxJsonDepth, exchange.Scan, out RequestRejection rejection))
        {
            await OpenAiErrors.WriteAsync(response, 400, rejection.Message, rejection.Param).ConfigureAwait(false);
            return;
        }

        // 3. Choose a prefill pod and a decode pod that serve the requested model.
        RequestScan scan = exchange.Scan;
        ReadOnlyMemory<byte> modelToken = scan.HasModel ? body[scan.ModelTokenStart..scan.ModelTokenEnd] : default;
        ModelRoute? route = _discovery.Current.Resolve(modelToken.Span);
        if (route is null)
        {
            string model = RoutingTable.DecodeModelName(modelToken.Span);
            await OpenAiErrors.WriteAsync(response, 404, "The model `" + model + "` does not exist.", "model").ConfigureAwait(false);
            return;
        }

        Backend? prefill = RoundRobinPicker.Pick(route.Prefill, ref route.NextPrefill);
        Backend? decode = RoundRobinPicker.Pick(route.Decode, ref route.NextDecode);
        if (prefill is null || decode is null)
        {
            string role = prefill is null ? "prefill" : "decode";
            string suffix = route.Model is null ? "." : " for model `" + route.Model + "`.";
            await OpenAiErrors.WriteAsync(response, 503, "No " + role + " pod is available" + suffix).ConfigureAwait(false);
            return;
        }

        Log.Starting(_logger, requestId);
        Log.PrefillEndpoint(_logger, prefill.Name, requestId);
        Log.DecodeEndpoint(_logger, decode.Name, requestId);

        // 4. Prefill leg: one token, no stream, and a request to keep the KV for a remote decode.
        LegBodyBuilder.BuildPrefill(exchange.RequestBody.Sequence, scan, exchange.PrefillBody);
        if (!await RunPrefillAsync(context, endpoint, requestId, prefill, exchange).ConfigureAwait(false))
        {
            return;
        }

        // 5. Read kv_transfer_params from the answer and point remote_host at the prefill pod if needed.
        BodySegments? kvTransferParams = await ReadKvTransferParamsAsync(context, requestId, prefill, exchange).ConfigureAwait(false);
        if (kvTransferParams is null && _options.OnMissingKvParams == MissingKvParamsPolicy.Fail)
        {
            return;
        }

        // 6. Decode leg: the client's own body plus those params; its answer is relayed as it comes.
        LegBodyBuilder.BuildDecode(exchange.RequestBody.Sequence, scan, kvTransferParams, exchange.DecodeBody);
        await RunDecodeAsync(context, endpoint, requestId, decode, exchange).ConfigureAwait(false);
    }

    /// <summary>Reads the client's body within the size limit; answers 413 or 400 and returns false otherwise.</summary>
    private async Task<bool> ReadRequestBodyAsync(HttpContext context, PooledBuffer buffer)
    {
        long limit = _options.MaxRequestBodyBytes;
        bool withinLimit;
        try
        {
            withinLimit = await buffer.ReadToEndAsync(context.Request.Body, context.Request.ContentLength, limit, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's own checks: its body size limit (413), a malformed chunked body (400).
            await OpenAiErrors.WriteAsync(context.Response, exception.StatusCode, "The request body could not be read: " + exception.Message).ConfigureAwait(false);
            return false;
        }

        if (!withinLimit)
        {
            await OpenAiErrors.WriteAsync(
                context.Response,
                413,
                "The request body is larger than the limit of " + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes.").ConfigureAwait(false);
            return false;
        }

        return true;
    }
}
