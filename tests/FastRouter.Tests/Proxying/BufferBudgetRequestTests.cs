using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FastRouter.Proxying;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using FastRouter.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// --max-buffered-bytes against real requests: bodies beyond the budget wait briefly and then get 503 with Retry-After
/// in the OpenAI shape, the others are served, and every path gives its bytes back.
/// </summary>
public sealed class BufferBudgetRequestTests
{
    private const long BodyLimit = 1024 * 1024;
    private const long Budget = 4 * 1024 * 1024;
    private const int BodyLength = 1_000_000;
    private const int SentFirst = 600_000;

    [Fact]
    public async Task SlowBodiesBeyondTheBudget_Get503WithRetryAfter_TheOthersAreServed_AndTheBudgetEndsEmpty()
    {
        await using RouterTestHarness harness = await StartAsync();
        BufferBudget budget = harness.Services.GetRequiredService<BufferBudget>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // 16 bodies of about 1 MB each (16 MB) against 4 MiB: each sends 600 KB at once, then waits for the gate.
        Task<RawHttpResponse>[] clients = new Task<RawHttpResponse>[16];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = SlowClientAsync(harness.Address, gate.Task);
        }

        // The gate opens once the router has turned a body away, so some were refused while others held the budget.
        Assert.True(await Eventually.TrueAsync(() => Rejections(harness).Result > 0, TimeSpan.FromSeconds(60)), "no body was refused");
        Assert.InRange(budget.Used, 1, Budget);
        gate.SetResult();
        RawHttpResponse[] answers = await Task.WhenAll(clients);

        int served = 0;
        int refused = 0;
        foreach (RawHttpResponse answer in answers)
        {
            if (answer.Status == 200)
            {
                served++;
                continue;
            }

            Assert.True(answer.Status == 503, answer.Status + " " + answer.Body);
            Assert.Contains("Retry-After: 1", answer.Headers, StringComparison.OrdinalIgnoreCase);
            using JsonDocument error = JsonDocument.Parse(answer.Body);
            JsonElement fields = error.RootElement.GetProperty("error");
            Assert.Contains("--max-buffered-bytes", fields.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.String, fields.GetProperty("type").ValueKind);
            Assert.True(fields.TryGetProperty("param", out _) && fields.TryGetProperty("code", out _));
            refused++;
        }

        Assert.True(served > 0, "no body was served");
        Assert.True(refused > 0, "no body was refused");
        Assert.True(await Eventually.TrueAsync(() => budget.Used == 0), "still charged: " + budget.Used);
        Assert.Equal(refused, await Rejections(harness));
        Assert.Equal(refused, harness.Logs.Lines.Count(e => e.EventId.Id == 43));
        PrometheusText metrics = PrometheusText.Parse(await harness.Client.GetStringAsync("/metrics"));
        Assert.Equal(0, metrics.Single("fastrouter_buffered_bytes"));
        Assert.Equal(Budget, metrics.Single("fastrouter_buffer_budget_bytes"));
    }

    [Fact]
    public async Task EveryWayARequestEnds_GivesItsBytesBack()
    {
        await using RouterTestHarness harness = await StartAsync();
        BufferBudget budget = harness.Services.GetRequiredService<BufferBudget>();

        // Served, streamed and not, small (its array stays with the pooled exchange, uncharged) and large.
        foreach (int length in (int[])[1000, 200_000])
        {
            using HttpResponseMessage ok = await harness.PostAsync("/v1/completions", Body(length));
            Assert.Equal(200, (int)ok.StatusCode);
            await ok.Content.ReadAsStringAsync();
            await ExpectEmptyAsync(budget, "after a served request of " + length.ToString(CultureInfo.InvariantCulture) + " bytes");
        }

        using (HttpResponseMessage stream = await harness.PostAsync("/v1/completions", Body(200_000, stream: true)))
        {
            Assert.Equal(200, (int)stream.StatusCode);
            await stream.Content.ReadAsStringAsync();
        }

        await ExpectEmptyAsync(budget, "after a served request");

        // Over the limit (413), both framings.
        foreach (bool chunked in (bool[])[false, true])
        {
            RawHttpResponse tooLarge = await WriteThenReadClient.PostAsync(harness.Address, 2 * BodyLimit, chunked, TimeSpan.FromSeconds(30));
            Assert.Equal(413, tooLarge.Status);
            await ExpectEmptyAsync(budget, "after a 413");
        }

        // Not JSON (400).
        using (HttpResponseMessage bad = await harness.PostAsync("/v1/completions", new string('x', 300_000)))
        {
            await OpenAiErrorAssert.IsErrorAsync(bad, 400);
        }

        await ExpectEmptyAsync(budget, "after a 400");

        // The client leaves halfway through its body.
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        using (TcpClient leaving = await WriteThenReadClient.OpenAsync(harness.Address, BodyLength, cancel.Token))
        {
            await leaving.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Body(BodyLength))[..SentFirst], cancel.Token);
            Assert.True(await Eventually.TrueAsync(() => budget.Used > 0), "the body was never charged");
        }

        await ExpectEmptyAsync(budget, "after the client left");
    }

    [Fact]
    public async Task AFailedPrefill_RetriedOnAnotherPod_GivesItsBytesBackOnce()
    {
        // The first prefill pod is down: every request fails over to the second.
        int dead = FreePort.Get();
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [Pod(SimulatorRole.Prefill), Pod(SimulatorRole.Prefill)],
            [Pod(SimulatorRole.Decode)],
            o => o with
            {
                MaxRequestBodyBytes = BodyLimit,
                MaxBufferedBytes = Budget,
                PodSelection = FastRouter.Configuration.PodSelection.RoundRobin,
                EjectAfterFailures = 0,
                StaticBackends = [new FastRouter.Configuration.StaticBackendOptions(new Uri("http://127.0.0.1:" + dead.ToString(CultureInfo.InvariantCulture)), RouterTestHarness.Model, "prefill"), .. o.StaticBackends],
            });
        BufferBudget budget = harness.Services.GetRequiredService<BufferBudget>();

        for (int i = 0; i < 4; i++)
        {
            using HttpResponseMessage ok = await harness.PostAsync("/v1/completions", Body(300_000));
            Assert.Equal(200, (int)ok.StatusCode);
            await ok.Content.ReadAsStringAsync();
        }

        await ExpectEmptyAsync(budget, "after failovers");
    }

    private static Task<RouterTestHarness> StartAsync() =>
        RouterTestHarness.StartAsync(
            [Pod(SimulatorRole.Prefill)],
            [Pod(SimulatorRole.Decode)],
            o => o with { MaxRequestBodyBytes = BodyLimit, MaxBufferedBytes = Budget, BufferBudgetWait = TimeSpan.FromMilliseconds(500) });

    /// <summary>A pod that takes a prompt of any length: the bodies here are about 250,000 tokens.</summary>
    private static SimulatorOptions Pod(SimulatorRole role) => new() { Role = role, MaxModelLen = int.MaxValue / 2 };

    private static async Task ExpectEmptyAsync(BufferBudget budget, string when) =>
        Assert.True(await Eventually.TrueAsync(() => budget.Used == 0), when + ", still charged: " + budget.Used);

    private static async Task<double> Rejections(RouterTestHarness harness)
    {
        PrometheusText metrics = PrometheusText.Parse(await harness.Client.GetStringAsync("/metrics"));
        // Mostly request bodies; a prefill answer that arrives while the budget is full is refused the same way.
        return metrics.Sum("fastrouter_buffer_budget_rejections_total");
    }

    /// <summary>A completion request of exactly <paramref name="length"/> bytes.</summary>
    private static string Body(int length, bool stream = false)
    {
        string head = "{\"model\":\"" + RouterTestHarness.Model + "\",\"max_tokens\":1," + (stream ? "\"stream\":true," : "") + "\"prompt\":\"";
        const string tail = "\"}";
        return head + new string('a', length - head.Length - tail.Length) + tail;
    }

    /// <summary>
    /// Sends the head and the first 600 KB of a 1 MB body, the rest once <paramref name="gate"/> opens, and reads the
    /// answer meanwhile (a 503 comes before the body is all sent; the rest is then read and dropped by the router).
    /// </summary>
    private static async Task<RawHttpResponse> SlowClientAsync(Uri router, Task gate)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var client = new TcpClient();
        await client.ConnectAsync(router.Host, router.Port, cancel.Token);
        NetworkStream stream = client.GetStream();
        byte[] body = Encoding.ASCII.GetBytes(Body(BodyLength));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /v1/completions HTTP/1.1\r\nHost: " + router.Authority + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
            + BodyLength.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n"), cancel.Token);
        await stream.WriteAsync(body.AsMemory(0, SentFirst), cancel.Token);
        Task<(byte[] Received, TimeSpan AnsweredToClosed)> reading = WriteThenReadClient.ReadUntilClosedAsync(stream, cancel.Token);
        await gate.WaitAsync(cancel.Token);
        try
        {
            await stream.WriteAsync(body.AsMemory(SentFirst), cancel.Token);
        }
        catch (IOException)
        {
            // Refused and closed already: the answer is what counts.
        }

        (byte[] received, _) = await reading;
        return RawHttpResponse.Parse(received, out _);
    }
}
