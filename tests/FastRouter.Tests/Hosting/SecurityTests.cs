using System.Net.Sockets;
using System.Text;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Hosting;

/// <summary>Inbound API keys, the limits on what a request may be, and what never reaches logs or pods.</summary>
public sealed class SecurityTests
{
    private static readonly string Body = RequestBodies.Completion(2);
    private const string Key = "sk-fastrouter-test-key-1";

    private static Task<RouterTestHarness> StartWithKeysAsync() =>
        RouterTestHarness.StartAsync(o => o with { ApiKeys = [Key, "sk-second-key-22222"], BackendApiKey = null });

    private static async Task<HttpResponseMessage> PostWithAuthAsync(RouterTestHarness harness, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await harness.Client.SendAsync(request);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key-000")]
    [InlineData("Bearer sk-fastrouter-test-key")]
    [InlineData("Bearer sk-fastrouter-test-key-12")]
    [InlineData("Basic c2stZmFzdHJvdXRlcg==")]
    [InlineData("sk-fastrouter-test-key-1")]
    public async Task WithoutAValidKey_V1Gets401InTheOpenAiShape_AndNoPodIsCalled(string? authorization)
    {
        await using RouterTestHarness harness = await StartWithKeysAsync();

        using HttpResponseMessage response = await PostWithAuthAsync(harness, authorization);

        await OpenAiErrorAssert.IsErrorAsync(response, 401, "AuthenticationError");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Theory]
    [InlineData("Bearer " + Key)]
    [InlineData("bearer " + Key)]
    [InlineData("Bearer sk-second-key-22222")]
    public async Task WithAValidKey_RequestsAreServed_AndTheKeyIsNotForwarded(string authorization)
    {
        await using RouterTestHarness harness = await StartWithKeysAsync();

        using HttpResponseMessage response = await PostWithAuthAsync(harness, authorization);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Null(Assert.Single(harness.Prefill[0].ReceivedRequests).Authorization);
        Assert.Null(Assert.Single(harness.Decode[0].ReceivedRequests).Authorization);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Message.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ModelsNeedsAKey_HealthReadyzLivezVersionAndMetricsStayOpen()
    {
        await using RouterTestHarness harness = await StartWithKeysAsync();

        using HttpResponseMessage models = await harness.Client.GetAsync("/v1/models");
        using HttpResponseMessage health = await harness.Client.GetAsync("/health");
        using HttpResponseMessage readyz = await harness.Client.GetAsync("/readyz");
        using HttpResponseMessage livez = await harness.Client.GetAsync("/livez");
        using HttpResponseMessage version = await harness.Client.GetAsync("/version");
        using HttpResponseMessage metrics = await harness.Client.GetAsync("/metrics");

        Assert.Equal(401, (int)models.StatusCode);
        Assert.Equal(200, (int)metrics.StatusCode);
        Assert.Contains("# TYPE ", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(200, (int)health.StatusCode);
        Assert.Equal(200, (int)readyz.StatusCode);
        Assert.Equal(200, (int)livez.StatusCode);
        Assert.Equal(200, (int)version.StatusCode);
    }

    [Fact]
    public async Task ClientHeadersOtherThanTheProtocolsAreNotForwarded()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Cookie", "session=secret");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "1.2.3.4");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer client-secret");

        using HttpResponseMessage response = await harness.Client.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        foreach (FastRouter.Simulation.RecordedRequest leg in (FastRouter.Simulation.RecordedRequest[])[Assert.Single(harness.Prefill[0].ReceivedRequests), Assert.Single(harness.Decode[0].ReceivedRequests)])
        {
            // Only what the protocol needs reaches a pod (OrchestratedProxy.CreateRequest) and what HTTP itself adds.
            Assert.Null(leg.Authorization);
            Assert.Equal(["content-length", "content-type", "host", "traceparent", "x-request-id"], leg.HeaderNames.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task HeadersBeyondTheLimit_Get431()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { MaxRequestHeadersBytes = 4096 });

        string status = await RawStatusAsync(harness, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 8000) + "\r\nContent-Length: 2\r\n\r\n{}");

        Assert.StartsWith("HTTP/1.1 431", status, StringComparison.Ordinal);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task ARequestLineBeyondTheLimit_Gets414()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { MaxRequestLineBytes = 1024 });

        string status = await RawStatusAsync(harness, "POST /v1/completions?" + new string('q', 4000) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");

        Assert.StartsWith("HTTP/1.1 414", status, StringComparison.Ordinal);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    private static async Task<string> RawStatusAsync(RouterTestHarness harness, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(harness.Address.Host, harness.Address.Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        byte[] buffer = new byte[1024];
        int read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
