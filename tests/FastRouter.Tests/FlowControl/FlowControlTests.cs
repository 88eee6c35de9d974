using System.Text;
using System.Text.Json;
using FastRouter.FlowControl;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Resilience;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FastRouter.Tests.FlowControl;

/// <summary>
/// The router's queue against simulated pods: one decode pod, saturated by --saturation-in-flight 1 while a
/// long stream holds it. The blocking stream ends when the test lets go of it, never by the clock, so every request
/// the test queues is waiting before the first one is dispatched.
/// </summary>
public sealed class FlowControlTests
{
    private static readonly string Blocker = RequestBodies.Completion(400, stream: true, prompt: "blocker");

    [Fact]
    public async Task While_the_only_decode_pod_is_saturated_a_request_waits_in_the_router_then_runs_when_it_frees()
    {
        await using RouterTestHarness harness = await StartAsync();
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);

        Task<HttpResponseMessage> waiting = SendAsync(harness, "waits");
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 1));
        Assert.Contains("fastrouter_queue_waiting{model=\"llama31-8b\",band=\"normal\"} 1", await harness.ScrapeAsync(), StringComparison.Ordinal);
        Assert.Equal(1, DecodeCalls(harness));
        using (JsonDocument status = JsonDocument.Parse(await harness.Client.GetStringAsync("/queue")))
        {
            JsonElement normal = status.RootElement.GetProperty("models")[0].GetProperty("bands")[1];
            Assert.Equal((1, 1), (normal.GetProperty("waiting").GetInt32(), normal.GetProperty("waiting_clients").GetInt32()));
            Assert.Equal([RouterTestHarness.PodName(harness.Decode[0])], status.RootElement.GetProperty("saturated_pods").EnumerateArray().Select(p => p.GetString()));
        }

        (await blocker).Dispose();
        using HttpResponseMessage answer = await waiting;

        Assert.Equal(200, (int)answer.StatusCode);
        Assert.Equal(["blocker", "waits"], DecodePrompts(harness));
        string scraped = await harness.ScrapeAsync();
        Assert.Contains("fastrouter_queue_dispatched_total{model=\"llama31-8b\",band=\"normal\"} 1", scraped, StringComparison.Ordinal);
        Assert.Equal(1, Telemetry.PrometheusText.Parse(scraped).Single("fastrouter_queue_wait_seconds_count", ("band", "normal"), ("outcome", "dispatched")));
        Assert.Contains(harness.Logs.Lines, l => l.Message.StartsWith("Queued ", StringComparison.Ordinal) && l.Message.Contains("then dispatched", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_higher_band_is_dispatched_first_and_within_a_band_the_oldest()
    {
        await using RouterTestHarness harness = await StartAsync();
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);

        var sent = new List<Task<HttpResponseMessage>>();
        (string Prompt, string Priority)[] arrivals = [("low", "3"), ("normal-1", "0"), ("normal-2", "0"), ("urgent", "-1")];
        foreach ((string prompt, string priority) in arrivals)
        {
            sent.Add(SendAsync(harness, prompt, priority: priority));
            int expected = sent.Count;
            Assert.True(await Eventually.TrueAsync(() => queue.Count == expected));
        }

        (await blocker).Dispose();
        foreach (HttpResponseMessage answer in await Task.WhenAll(sent))
        {
            Assert.Equal(200, (int)answer.StatusCode);
            answer.Dispose();
        }

        Assert.Equal(["blocker", "urgent", "normal-1", "normal-2", "low"], DecodePrompts(harness));
    }

    [Fact]
    public async Task A_client_sending_many_more_requests_cannot_starve_a_light_one()
    {
        await using RouterTestHarness harness = await StartAsync();
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);

        // One at a time, so each client's requests arrive in a known order.
        var sent = new List<Task<HttpResponseMessage>>();
        string[] arrivals = ["heavy-0", "heavy-1", "heavy-2", "heavy-3", "heavy-4", "heavy-5", "light-0", "light-1"];
        foreach (string prompt in arrivals)
        {
            sent.Add(SendAsync(harness, prompt, client: "Bearer " + prompt[..5]));
            int expected = sent.Count;
            Assert.True(await Eventually.TrueAsync(() => queue.Count == expected));
        }

        (await blocker).Dispose();
        foreach (HttpResponseMessage answer in await Task.WhenAll(sent))
        {
            answer.Dispose();
        }

        // Turns alternate between the two clients while both wait: the light one's two come second and fourth.
        Assert.Equal(["blocker", "heavy-0", "light-0", "heavy-1", "light-1", "heavy-2", "heavy-3", "heavy-4", "heavy-5"], DecodePrompts(harness));
    }

    [Fact]
    public async Task A_request_past_its_queue_timeout_gets_503_and_never_reaches_a_pod()
    {
        await using RouterTestHarness harness = await StartAsync();
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);

        using HttpResponseMessage expired = await SendAsync(harness, "expires", queueTimeout: "0.2");

        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(expired, 503);
        Assert.Contains("queue", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("1", expired.Headers.GetValues("Retry-After").Single());
        Assert.Equal(0, queue.Count);
        (await blocker).Dispose();
        Assert.Equal(["blocker"], DecodePrompts(harness));
        Assert.Equal(1, PrefillCalls(harness));
        Assert.Contains("fastrouter_queue_rejections_total{model=\"llama31-8b\",band=\"normal\",reason=\"expired\"} 1", await harness.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_leaves_the_queue_is_dropped_at_once_and_no_pod_sees_it()
    {
        await using RouterTestHarness harness = await StartAsync();
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);
        using var leave = new CancellationTokenSource();

        Task<HttpResponseMessage> leaving = SendAsync(harness, "leaves", cancel: leave.Token);
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 1));
        await leave.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 0));
        Assert.True(await Eventually.TrueAsync(async () =>
            (await harness.ScrapeAsync()).Contains("fastrouter_queue_rejections_total{model=\"llama31-8b\",band=\"normal\",reason=\"client_left\"} 1", StringComparison.Ordinal)));
        (await blocker).Dispose();
        using HttpResponseMessage after = await SendAsync(harness, "after");
        Assert.Equal(200, (int)after.StatusCode);
        Assert.Equal(["blocker", "after"], DecodePrompts(harness));
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after()
    {
        await using RouterTestHarness harness = await StartAsync(queueSize: 1);
        (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);
        Task<HttpResponseMessage> waiting = SendAsync(harness, "waits");
        Assert.True(await Eventually.TrueAsync(() => queue.Count == 1));

        using HttpResponseMessage refused = await SendAsync(harness, "refused");

        await OpenAiErrorAssert.IsErrorAsync(refused, 429);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        (await blocker).Dispose();
        using HttpResponseMessage served = await waiting;
        Assert.Equal(200, (int)served.StatusCode);
        Assert.Equal(["blocker", "waits"], DecodePrompts(harness));
    }

    [Theory]
    [InlineData("x-request-priority", "high")]
    [InlineData("x-request-priority", "1.5")]
    [InlineData("x-request-queue-timeout", "-1")]
    [InlineData("x-request-queue-timeout", "soon")]
    public async Task A_malformed_queue_header_gets_400_when_the_request_would_wait(string header, string value)
    {
        await using RouterTestHarness harness = await StartAsync();
        (_, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(RequestBodies.Completion(2, prompt: "bad"), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(header, value);

        using HttpResponseMessage answer = await harness.Client.SendAsync(request);

        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(answer, 400);
        Assert.Contains(header, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        (await blocker).Dispose();
    }

    [Fact]
    public async Task Flow_control_off_sends_the_request_to_the_saturated_pod_at_once()
    {
        await using RouterTestHarness harness = await StartAsync(flowControl: false);
        using HttpResponseMessage blocker = await SendAsync(harness, "blocker", stream: true, maxTokens: 400);

        using HttpResponseMessage second = await SendAsync(harness, "second");

        Assert.Equal(200, (int)second.StatusCode);
        Assert.Equal(["blocker", "second"], DecodePrompts(harness));
    }

    [Fact]
    public async Task A_router_shutting_down_answers_its_queue_503_at_once()
    {
        RouterTestHarness harness = await StartAsync();
        try
        {
            (FlowQueue queue, Task<HttpResponseMessage> blocker) = await BlockAsync(harness);
            Task<HttpResponseMessage> waiting = SendAsync(harness, "waits");
            Assert.True(await Eventually.TrueAsync(() => queue.Count == 1));

            harness.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

            using HttpResponseMessage answer = await waiting;
            JsonElement error = await OpenAiErrorAssert.IsErrorAsync(answer, 503);
            Assert.Contains("shutting down", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(["blocker"], DecodePrompts(harness));
            (await blocker).Dispose();
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_at_its_concurrency_limit_gets_429_while_another_client_is_served()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(),
            o => o with { ClientMaxConcurrent = 1 },
            decodeInterTokenLatency: TimeSpan.FromMilliseconds(20));
        using HttpResponseMessage holding = await SendAsync(harness, "holds", stream: true, maxTokens: 400, client: "Bearer one");

        using HttpResponseMessage refused = await SendAsync(harness, "refused", client: "Bearer one");
        using HttpResponseMessage other = await SendAsync(harness, "other", client: "Bearer two");

        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(refused, 429);
        Assert.Contains("--client-max-concurrent", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(200, (int)other.StatusCode);
        Assert.Contains("fastrouter_client_limit_rejections_total{reason=\"concurrent\"} 1", await harness.ScrapeAsync(), StringComparison.Ordinal);
    }

    private static Task<RouterTestHarness> StartAsync(int queueSize = 100, bool flowControl = true) =>
        Fleet.StartAsync(
            new ManualTimeProvider(),
            o => o with { FlowControl = flowControl, SaturationInFlight = 1, QueueSize = queueSize },
            decodeInterTokenLatency: TimeSpan.FromMilliseconds(20),
            decodePods: 1);

    /// <summary>Starts the long stream that saturates the decode pod; returns the model's queue (empty) and the stream.</summary>
    private static async Task<(FlowQueue Queue, Task<HttpResponseMessage> Blocker)> BlockAsync(RouterTestHarness harness)
    {
        Task<HttpResponseMessage> blocker = SendAsync(harness, "blocker", stream: true, maxTokens: 400);
        Assert.Equal(200, (int)(await blocker).StatusCode);
        Assert.True(await Eventually.TrueAsync(() => DecodeCalls(harness) == 1));
        return (harness.Services.GetRequiredService<FlowController>().QueueFor(RequestBodies.Model).Queue, blocker);
    }

    private static Task<HttpResponseMessage> SendAsync(
        RouterTestHarness harness,
        string prompt,
        bool stream = false,
        int maxTokens = 2,
        string? priority = null,
        string? client = null,
        string? queueTimeout = null,
        CancellationToken cancel = default) =>
        harness.Client.SendAsync(
            QueueableRequest.Completion(prompt, stream, maxTokens, priority, client, queueTimeout),
            HttpCompletionOption.ResponseHeadersRead,
            cancel);

    private static int DecodeCalls(RouterTestHarness harness) => Fleet.Calls(harness.Decode[0]);

    private static int PrefillCalls(RouterTestHarness harness) => harness.Prefill.Sum(Fleet.Calls);

    /// <summary>The prompts of the completions the decode pod received, in the order it received them.</summary>
    private static string[] DecodePrompts(RouterTestHarness harness)
    {
        var prompts = new List<string>();
        foreach (var request in harness.Decode[0].ReceivedRequests)
        {
            if (request.Path != "/v1/completions")
            {
                continue;
            }

            using JsonDocument body = JsonDocument.Parse(request.Body);
            // Not the one-token calls that only free a prefill pod's KV.
            if (body.RootElement.GetProperty("max_tokens").GetInt32() > 1)
            {
                prompts.Add(body.RootElement.GetProperty("prompt").GetString()!);
            }
        }

        return [.. prompts];
    }
}
