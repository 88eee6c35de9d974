using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Hosting;

/// <summary>The router's own endpoints: health, models, version, and what unknown paths get.</summary>
public sealed class EndpointTests
{
    /// <summary>Liveness (the chart's /health) and readiness agree while both roles have a pod.</summary>
    [Theory]
    [InlineData("/health")]
    [InlineData("/readyz")]
    public async Task HealthAndReadyz_Are200WhenBothRolesHaveAPod(string path)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.Client.GetAsync(path);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, body.RootElement.GetProperty("prefill_pods").GetInt32());
        Assert.Equal(1, body.RootElement.GetProperty("decode_pods").GetInt32());
        Assert.Empty(body.RootElement.GetProperty("missing_roles").EnumerateArray());
    }

    [Fact]
    public async Task Health_Is200WithARoleMissing_AndNamesTheRoleInItsBody()
    {
        // production-stack's chart points liveness at /health: a decode rollout must not restart a working router.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[0]] });

        using HttpResponseMessage response = await harness.Client.GetAsync("/health");
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, body.RootElement.GetProperty("prefill_pods").GetInt32());
        Assert.Equal(0, body.RootElement.GetProperty("decode_pods").GetInt32());
        Assert.Equal("decode", Assert.Single(body.RootElement.GetProperty("missing_roles").EnumerateArray()).GetString());
        Assert.Contains("decode", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_Is503NamingTheMissingRole()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[0]] });

        using HttpResponseMessage response = await harness.Client.GetAsync("/readyz");
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, body.RootElement.GetProperty("decode_pods").GetInt32());
        Assert.Equal("decode", Assert.Single(body.RootElement.GetProperty("missing_roles").EnumerateArray()).GetString());
        Assert.Contains("decode", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_AnswersHeadAndRefusesPost()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage head = await harness.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/readyz"));
        using HttpResponseMessage post = await harness.Client.PostAsync("/readyz", new StringContent(""));

        Assert.Equal(200, (int)head.StatusCode);
        Assert.Equal(405, (int)post.StatusCode);
        Assert.Equal("GET", post.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Livez_Is200EvenWhenARoleHasNoPod()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { StaticBackends = [o.StaticBackends[0]] });

        using HttpResponseMessage response = await harness.Client.GetAsync("/livez");

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"status\":\"alive\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Models_ListsTheStaticModels()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill, Model = "a" }, new SimulatorOptions { Role = SimulatorRole.Prefill, Model = "b" }],
            [new SimulatorOptions { Role = SimulatorRole.Decode, Model = "a" }, new SimulatorOptions { Role = SimulatorRole.Decode, Model = "b" }]);

        using JsonDocument body = JsonDocument.Parse(await harness.Client.GetStringAsync("/v1/models"));

        Assert.Equal("list", body.RootElement.GetProperty("object").GetString());
        string[] ids = [.. body.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString() ?? "")];
        Assert.Equal(["a", "b"], ids);
        Assert.All(body.RootElement.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task Models_WithoutStaticModels_AsksTheDecodePods()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            o => o with { HasStaticModels = false },
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, Model = "served-by-decode" });

        using JsonDocument body = JsonDocument.Parse(await harness.Client.GetStringAsync("/v1/models"));

        Assert.Equal("served-by-decode", Assert.Single(body.RootElement.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Version_AnswersTheRoutersVersion()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using JsonDocument body = JsonDocument.Parse(await harness.Client.GetStringAsync("/version"));

        Assert.Matches(@"^\d+\.\d+\.\d+", body.RootElement.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/v1/chat/completions/extra")]
    [InlineData("/v1/embeddings")]
    public async Task UnknownPath_Gets404InTheOpenAiShape(string path)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.Client.GetAsync(path);

        await OpenAiErrorAssert.IsErrorAsync(response, 404, "NotFoundError");
    }

    [Fact]
    public async Task WrongMethod_Gets405WithAllow()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();

        using HttpResponseMessage response = await harness.Client.GetAsync("/v1/chat/completions");

        await OpenAiErrorAssert.IsErrorAsync(response, 405);
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.Equal(0, harness.BackendRequestCount);
    }
}
