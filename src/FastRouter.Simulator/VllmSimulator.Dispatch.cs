using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>The terminal request delegate: dispatch on path, authentication, and the small info endpoints.</summary>
internal sealed partial class VllmSimulator
{
    private Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? string.Empty;
        bool isCompletion = path is "/v1/chat/completions" or "/v1/completions";

        // Completion requests are recorded with their body once it is read; /sim/* is the tests' own control plane.
        if (!isCompletion && !path.StartsWith("/sim/", StringComparison.Ordinal))
        {
            Record(context, []);
        }

        // vLLM's --api-key guards /v1 only; probes and metrics stay open.
        if (_options.ApiKey is not null && path.StartsWith("/v1", StringComparison.Ordinal) && !IsAuthorized(context.Request))
        {
            if (isCompletion)
            {
                Record(context, []);
            }

            Stats.Increment(SimulatorCounter.ErrorsReturned);
            return HttpResponses.WriteTextAsync(context, StatusCodes.Status401Unauthorized, "application/json", "{\"error\":\"Unauthorized\"}", context.RequestAborted);
        }

        switch (path)
        {
            case "/v1/chat/completions":
                Stats.Increment(SimulatorCounter.ChatCompletionRequests);
                return HandleCompletionAsync(context, CompletionKind.Chat);
            case "/v1/completions":
                Stats.Increment(SimulatorCounter.TextCompletionRequests);
                return HandleCompletionAsync(context, CompletionKind.Text);
            case "/health":
            case "/ping":
                Stats.Increment(SimulatorCounter.HealthRequests);
                context.Response.StatusCode = StatusCodes.Status200OK;
                return Task.CompletedTask;
            case "/version":
                Stats.Increment(SimulatorCounter.OtherRequests);
                return HttpResponses.WriteTextAsync(context, 200, "application/json", "{\"version\":\"0.11.0-fastrouter-sim\"}", context.RequestAborted);
            case "/v1/models":
                Stats.Increment(SimulatorCounter.ModelsRequests);
                return HttpResponses.WriteJsonAsync(context, 200, this, static (writer, sim) => sim.WriteModels(writer), context.RequestAborted);
            case "/metrics":
                Stats.Increment(SimulatorCounter.MetricsRequests);
                return _metricsHang
                    ? HangAsync(context)
                    : HttpResponses.WriteTextAsync(context, 200, "text/plain; version=0.0.4; charset=utf-8", BuildMetrics(), context.RequestAborted);
            case "/sim/stats":
                Stats.Increment(SimulatorCounter.OtherRequests);
                return HttpResponses.WriteJsonAsync(context, 200, this, static (writer, sim) => sim.WriteStats(writer), context.RequestAborted);
            case "/sim/metrics-fault":
                Stats.Increment(SimulatorCounter.OtherRequests);
                return HandleMetricsFaultAsync(context);
            case "/sim/faults":
                Stats.Increment(SimulatorCounter.OtherRequests);
                return HandleFaultsAsync(context);
            default:
                Stats.Increment(SimulatorCounter.NotFoundRequests);
                Stats.Increment(SimulatorCounter.ErrorsReturned);
                return HttpResponses.WriteErrorAsync(context, 404, "NotFoundError", "Not Found", context.RequestAborted);
        }
    }

    /// <summary>Keeps what the router sent, headers and body, for tests to inspect.</summary>
    private void Record(HttpContext context, byte[] body)
    {
        if (!_recorder.IsEnabled)
        {
            return;
        }

        HttpRequest http = context.Request;
        _recorder.Add(new RecordedRequest(
            http.Method,
            http.Path.Value ?? string.Empty,
            http.Headers["X-Request-Id"],
            http.Headers.Authorization,
            http.ContentType,
            http.Headers["traceparent"],
            body,
            HeaderNamesOf(http.Headers)));
    }

    /// <summary>Every header name received, lower-cased, so a test can tell exactly what a router forwarded.</summary>
    private static List<string> HeaderNamesOf(IHeaderDictionary headers)
    {
        var names = new List<string>(headers.Count);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in headers)
        {
            names.Add(header.Key.ToLowerInvariant());
        }

        return names;
    }

    private bool IsAuthorized(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null
            && header.Length == _options.ApiKey!.Length + 7
            && header.StartsWith("Bearer ", StringComparison.Ordinal)
            && header.AsSpan(7).SequenceEqual(_options.ApiKey);
    }

    private void WriteModels(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("object"u8, "list"u8);
        writer.WriteStartArray("data"u8);
        writer.WriteStartObject();
        writer.WriteString("id"u8, _options.Model);
        writer.WriteString("object"u8, "model"u8);
        writer.WriteNumber("created"u8, _startedAtUnixSeconds);
        writer.WriteString("owned_by"u8, "vllm"u8);
        writer.WriteString("root"u8, _options.Model);
        writer.WriteNull("parent"u8);
        writer.WriteNumber("max_model_len"u8, _options.MaxModelLen);
        writer.WriteStartArray("permission"u8);
        writer.WriteStartObject();
        writer.WriteString("id"u8, "modelperm-" + _engineId.Replace("-", string.Empty, StringComparison.Ordinal));
        writer.WriteString("object"u8, "model_permission"u8);
        writer.WriteNumber("created"u8, _startedAtUnixSeconds);
        writer.WriteBoolean("allow_create_engine"u8, false);
        writer.WriteBoolean("allow_sampling"u8, true);
        writer.WriteBoolean("allow_logprobs"u8, true);
        writer.WriteBoolean("allow_search_indices"u8, false);
        writer.WriteBoolean("allow_view"u8, true);
        writer.WriteBoolean("allow_fine_tuning"u8, false);
        writer.WriteString("organization"u8, "*"u8);
        writer.WriteNull("group"u8);
        writer.WriteBoolean("is_blocking"u8, false);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private void WriteStats(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, _options.Role == SimulatorRole.Prefill ? "prefill"u8 : "decode"u8);
        writer.WriteString("model"u8, _options.Model);
        writer.WriteString("engine_id"u8, _engineId);
        writer.WriteNumber("port"u8, Port);
        writer.WriteNumber("side_channel_port"u8, SideChannelPort);
        writer.WriteNumber("requests_running"u8, RunningRequests);
        writer.WriteNumber("held_kv_blocks"u8, HeldKvBlocks);
        writer.WriteNumber("held_kv_leases"u8, HeldKvLeases);
        writer.WriteBoolean("engine_model"u8, _engine is not null);
        writer.WriteNumber("requests_waiting"u8, WaitingRequests);
        writer.WriteNumber("cache_blocks"u8, _options.CacheBlocks);
        writer.WriteNumber("cache_blocks_used"u8, _engine?.Cache.UsedBlocks ?? 0);
        writer.WriteNumber("cache_blocks_evicted"u8, _engine?.Cache.EvictedBlocks ?? 0);
        writer.WriteString("metrics_fault"u8, _metricsHang ? "hang"u8 : "none"u8);
        Stats.WriteProperties(writer);
        writer.WritePropertyName("faults"u8);
        WriteFaults(writer, Faults);
        writer.WriteEndObject();
    }

    private string BuildMetrics()
    {
        // With the engine model the cache is the KV memory; without it, the blocks leased to decode are.
        double usage = _engine is not null ? Math.Min(1.0, (double)_engine.BlocksInUse / _options.CacheBlocks) : (double)HeldKvBlocks / _options.TotalKvBlocks;
        int waiting = WaitingRequests;
        string labels = $"{{engine=\"0\",model_name=\"{_options.Model}\"}}";
        var text = new StringBuilder(1024);
        AppendMetric(text, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", labels, Math.Max(0, RunningRequests - waiting));
        AppendMetric(text, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", labels, waiting);
        AppendMetric(text, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", labels, usage);
        AppendMetric(text, "vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage (older name). 1 means 100 percent usage.", labels, usage);
        AppendMetric(text, "vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in terms of number of queried tokens.", labels, Stats[SimulatorCounter.PrefixCacheQueries]);
        AppendMetric(text, "vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens.", labels, Stats[SimulatorCounter.PromptTokensCached]);
        AppendMetric(text, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", labels, Stats[SimulatorCounter.PromptTokens]);
        AppendMetric(text, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", labels, Stats[SimulatorCounter.GenerationTokens]);
        AppendMetric(text, "vllm:request_success_total", "counter", "Count of successfully processed requests.", labels, Stats.CompletionsServed);
        return text.ToString();
    }

    private static void AppendMetric(StringBuilder text, string name, string type, string help, string labels, double value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        text.Append(name).Append(labels).Append(' ').Append(value.ToString("0.0###############", CultureInfo.InvariantCulture)).Append('\n');
    }

    private async Task HangAsync(HttpContext context)
    {
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    /// <summary><c>POST /sim/metrics-fault</c> with <c>hang</c> or <c>none</c> as its body; GET reads it.</summary>
    private async Task HandleMetricsFaultAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method))
        {
            using var reader = new StreamReader(context.Request.Body);
            string mode = (await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false)).Trim();
            switch (mode)
            {
                case "hang":
                    _metricsHang = true;
                    break;
                case "none":
                    _metricsHang = false;
                    break;
                default:
                    await HttpResponses.WriteErrorAsync(context, 400, "BadRequestError", "Expected hang or none.", context.RequestAborted).ConfigureAwait(false);
                    return;
            }
        }
        else if (HttpMethods.IsDelete(context.Request.Method))
        {
            _metricsHang = false;
        }

        await HttpResponses.WriteTextAsync(context, 200, "text/plain", _metricsHang ? "hang" : "none", context.RequestAborted).ConfigureAwait(false);
    }

    private async Task HandleFaultsAsync(HttpContext context)
    {
        CancellationToken cancellationToken = context.RequestAborted;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            string? error = await ApplyFaultsAsync(context.Request, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                await HttpResponses.WriteErrorAsync(context, 400, "BadRequestError", error, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        else if (HttpMethods.IsDelete(context.Request.Method))
        {
            Faults.Clear();
        }

        await HttpResponses.WriteJsonAsync(context, 200, Faults, static (writer, faults) => WriteFaults(writer, faults), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads <c>{"mode":"DropMidStream","count":1,"delay_ms":0,"after_events":2}</c>; null when applied.</summary>
    private async Task<string?> ApplyFaultsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body, SimulatorJson.DocumentOptions);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("mode"u8, out JsonElement modeElement)
                || modeElement.ValueKind != JsonValueKind.String
                || !SimulatorFaults.TryParseMode(modeElement.GetString()!, out SimulatorFaultMode mode))
            {
                return "Expected {\"mode\":\"None|Status500|Status503|ResetConnection|Hang|SlowPrefill|DropMidStream|FailKvPull\",\"count\":-1,\"delay_ms\":0,\"after_events\":0}.";
            }

            int count = root.TryGetProperty("count"u8, out JsonElement c) ? c.GetInt32() : SimulatorFaults.Unlimited;
            double delayMs = root.TryGetProperty("delay_ms"u8, out JsonElement d) ? d.GetDouble() : 0;
            int afterEvents = root.TryGetProperty("after_events"u8, out JsonElement a) ? a.GetInt32() : 0;
            if (count < SimulatorFaults.Unlimited || delayMs < 0 || afterEvents < 0)
            {
                return "count must be -1 or more, delay_ms and after_events 0 or more.";
            }

            Faults.Set(mode, count, TimeSpan.FromMilliseconds(delayMs), afterEvents);
            return null;
        }
        catch (JsonException exception)
        {
            return "Invalid JSON: " + exception.Message;
        }
        catch (FormatException exception)
        {
            return exception.Message;
        }
        catch (InvalidOperationException exception)
        {
            return exception.Message;
        }
    }

    private static void WriteFaults(Utf8JsonWriter writer, SimulatorFaults faults)
    {
        writer.WriteStartObject();
        writer.WriteString("mode"u8, SimulatorFaults.ModeName(faults.Mode));
        writer.WriteNumber("count"u8, faults.RemainingCount);
        writer.WriteNumber("delay_ms"u8, faults.Delay.TotalMilliseconds);
        writer.WriteNumber("after_events"u8, faults.AfterEvents);
        writer.WriteEndObject();
    }
}
