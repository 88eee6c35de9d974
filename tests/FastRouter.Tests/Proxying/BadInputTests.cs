using System.Net.Sockets;
using System.Text;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>Hostile and broken requests: each gets a clear OpenAI-shaped error and no pod is called.</summary>
public sealed class BadInputTests
{
    public static TheoryData<string, string?> MalformedBodies => new()
    {
        { "", null },
        { "   \n", null },
        { "{\"model\":\"llama31-8b\",\"prompt\":", null },
        { "[{\"model\":\"llama31-8b\"}]", null },
        { "\"just a string\"", null },
        { "null", null },
        { "{\"model\":\"llama31-8b\",\"prompt\":\"x\"} trailing", null },
        { "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}{\"again\":1}", null },
        { "{\"model\":\"llama31-8b\",\"prompt\":\"x\",}", null },
        { "{\"prompt\":" + new string('[', 5000) + new string(']', 5000) + "}", null },
        { "{\"model\":\"llama31-8b\",\"max_tokens\":\"many\"}", "max_tokens" },
        { "{\"model\":\"llama31-8b\",\"stream\":\"yes\"}", "stream" },
        { "{\"model\":\"llama31-8b\",\"n\":[2]}", "n" },
        { "{\"model\":\"llama31-8b\",\"min_tokens\":false}", "min_tokens" },
        { "{\"model\":\"llama31-8b\",\"max_completion_tokens\":{}}", "max_completion_tokens" },
        { "{\"model\":\"llama31-8b\",\"stream_options\":\"usage\"}", "stream_options" },
        { "{\"model\":17}", "model" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task MalformedBody_Gets400AndNoBackendIsCalled(string body, string? param)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", body);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 400, "BadRequestError");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task InvalidUtf8_Gets400AndNoBackendIsCalled()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        byte[] body = [.. "{\"model\":\"llama31-8b\",\"prompt\":\"bad "u8, 0xFF, 0xFE, .. "\"}"u8];

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", body);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 400, "BadRequestError");
        Assert.Contains("UTF-8", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task BodyOverTheLimit_Gets413_WithContentLength()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { MaxRequestBodyBytes = 1000 });
        string body = "{\"model\":\"llama31-8b\",\"prompt\":\"" + new string('a', 2000) + "\"}";

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", body);

        await OpenAiErrorAssert.IsErrorAsync(response, 413);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task BodyOverTheLimit_Gets413_WhenChunked()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { MaxRequestBodyBytes = 1000 });
        string body = "{\"model\":\"llama31-8b\",\"prompt\":\"" + new string('a', 5000) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body))) };
        request.Headers.TransferEncodingChunked = true;

        using HttpResponseMessage response = await harness.Client.SendAsync(request);

        await OpenAiErrorAssert.IsErrorAsync(response, 413);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task BodyJustUnderTheLimit_IsServed()
    {
        string prefix = "{\"model\":\"llama31-8b\",\"max_tokens\":2,\"prompt\":\"";
        int limit = 1000;
        string body = prefix + new string('a', limit - prefix.Length - 2) + "\"}";
        Assert.Equal(limit, Encoding.UTF8.GetByteCount(body));
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { MaxRequestBodyBytes = limit });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", body);

        Assert.Equal(200, (int)response.StatusCode);
    }

    [Fact]
    public async Task UnknownModel_Gets404WithoutTouchingABackend()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"gpt-7\",\"messages\":[]}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 404, "NotFoundError");
        Assert.Equal("The model `gpt-7` does not exist.", error.GetProperty("message").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task NoDecodePod_Gets503NamingTheRole()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[0]] });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"llama31-8b\",\"messages\":[]}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 503, "ServiceUnavailableError");
        Assert.Contains("decode", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, harness.BackendRequestCount);
    }

    [Fact]
    public async Task NoPrefillPod_Gets503NamingTheRole()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[1]] });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"llama31-8b\",\"messages\":[]}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 503);
        Assert.Contains("prefill", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Chunked framing Kestrel cannot parse is the client's malformed request: a 400 in the OpenAI shape, never the
    /// router's 500 with a stack trace. A chunk size past 64 bits reaches the router as an IOException around an
    /// OverflowException, not as Kestrel's BadHttpRequestException.
    /// </summary>
    [Theory]
    [InlineData("ZZ\r\n{}\r\n0\r\n\r\n")]
    [InlineData("ffffffffffffffffff1\r\n{}\r\n0\r\n\r\n")]
    [InlineData("10000000000000000\r\n{}\r\n0\r\n\r\n")]
    [InlineData("2\r\n{}XX0\r\n\r\n")]
    public async Task MalformedChunkedEncoding_GetsAClient400_NotAHangOrAnError(string chunks)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(harness.Address.Host, harness.Address.Port);
        NetworkStream stream = client.GetStream();
        byte[] request = Encoding.ASCII.GetBytes("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
        await stream.WriteAsync(request);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        RawHttpResponse response = RawHttpResponse.Parse(await WriteThenReadClient.ReadToEndAsync(stream, timeout.Token), out _);

        Assert.Equal(400, response.Status);
        using System.Text.Json.JsonDocument error = System.Text.Json.JsonDocument.Parse(response.Body);
        Assert.Equal("BadRequestError", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(0, harness.BackendRequestCount);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }
}
