using System.Net;
using System.Text.Json;
using FastRouter.Simulation;
using static FastRouter.Tests.Simulation.SimulatorHttp;

namespace FastRouter.Tests.Simulation;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("/v1/chat/completions", """{"messages":[],"stream_options":{"include_usage":true}}""", "Stream options can only be defined when `stream=True`.")]
    [InlineData("/v1/chat/completions", """{"messages":[],"stream":false,"stream_options":{"include_usage":true}}""", "Stream options can only be defined when `stream=True`.")]
    [InlineData("/v1/completions", """{"prompt":"x","max_tokens":1,"min_tokens":5}""", "min_tokens must be less than or equal to max_tokens=1, got 5.")]
    [InlineData("/v1/chat/completions", """{"messages":[],"max_completion_tokens":1,"min_tokens":2}""", "min_tokens must be less than or equal to max_tokens=1, got 2.")]
    [InlineData("/v1/chat/completions", """{"prompt":"no messages"}""", null)]
    [InlineData("/v1/completions", """{"messages":[]}""", null)]
    [InlineData("/v1/completions", """[1,2]""", "The request body must be a JSON object.")]
    [InlineData("/v1/completions", """{"prompt":"x",""", null)]
    [InlineData("/v1/completions", "", null)]
    [InlineData("/v1/completions", """{"prompt":"x","max_tokens":0}""", null)]
    [InlineData("/v1/completions", """{"prompt":"x","n":2}""", null)]
    [InlineData("/v1/completions", """{"prompt":"x","kv_transfer_params":"yes"}""", null)]
    [InlineData("/v1/completions", """{"prompt":"x","kv_transfer_params":{"do_remote_prefill":true,"remote_host":"h"}}""", null)]
    public async Task InvalidRequest_Returns400InVllmErrorShape(string path, string body, string? message)
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string text) = await SendAsync(client, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = Parse(text).GetProperty("error");
        Assert.Equal("BadRequestError", error.GetProperty("type").GetString());
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }

        Assert.Equal(0, sim.Stats.CompletionsServed);
    }

    [Fact]
    public async Task StreamOptionsMessage_IsNotEscaped()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (_, string text) = await SendAsync(client, "/v1/completions", """{"prompt":"x","stream_options":{}}""");

        Assert.Contains("when `stream=True`.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_Returns404NotFoundError()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string text) = await SendAsync(client, "/v1/chat/completions", """{"model":"gpt-9","messages":[]}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        JsonElement error = Parse(text).GetProperty("error");
        Assert.Equal("NotFoundError", error.GetProperty("type").GetString());
        Assert.Equal("The model `gpt-9` does not exist.", error.GetProperty("message").GetString());
        Assert.Equal(404, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task PromptPlusMaxTokens_BeyondMaxModelLen_Returns400()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, MaxModelLen = 10 });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage response, string text) = await SendAsync(client, "/v1/completions", """{"prompt":"0123456789012345","max_tokens":7}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("This model's maximum context length is 10 tokens.", Parse(text).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer secret2")]
    [InlineData("secret")]
    public async Task ApiKey_MissingOrWrong_Returns401(string? authorization)
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, ApiKey = "secret" });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        using HttpRequestMessage request = Post("/v1/completions", """{"prompt":"x"}""");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":"Unauthorized"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, sim.Stats.TextCompletionRequests);
        RecordedRequest recorded = Assert.Single(sim.ReceivedRequests);
        Assert.Equal(authorization, recorded.Authorization);
        Assert.Equal("/v1/completions", recorded.Path);
    }

    [Fact]
    public async Task ApiKey_Right_IsAccepted_AndHealthNeedsNone()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, ApiKey = "secret" });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        using HttpRequestMessage request = Post("/v1/completions", """{"prompt":"x"}""");
        request.Headers.Authorization = Bearer("secret");

        using HttpResponseMessage response = await client.SendAsync(request);
        using HttpResponseMessage health = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Get_OnCompletionEndpoint_Returns405()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        using HttpResponseMessage response = await client.GetAsync(new Uri("/v1/chat/completions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
