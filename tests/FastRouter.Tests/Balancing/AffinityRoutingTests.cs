using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Balancing;

/// <summary>The default policy through the real router, two prefill and three decode simulator pods.</summary>
public sealed class AffinityRoutingTests
{
    private static Task<RouterTestHarness> StartFleetAsync(Func<RouterOptions, RouterOptions>? configure = null, LogLevel logLevel = LogLevel.Information) =>
        RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill }, new SimulatorOptions { Role = SimulatorRole.Prefill }],
            [new SimulatorOptions { Role = SimulatorRole.Decode }, new SimulatorOptions { Role = SimulatorRole.Decode }, new SimulatorOptions { Role = SimulatorRole.Decode }],
            configure,
            logLevel);

    private static string Turn1(int conversation) =>
        "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Conversation " + conversation + ": name a prime.\"}],\"max_tokens\":4}";

    private static string Turn2(int conversation) =>
        "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"Conversation " + conversation + ": name a prime.\"},"
        + "{\"role\":\"assistant\",\"content\":\"Seven.\"},{\"role\":\"user\",\"content\":\"Turn two of " + conversation + ": another?\"}],\"max_tokens\":4}";

    private static async Task SendAsync(RouterTestHarness harness, Uri? router, string body, string? sessionHeader = null, string? sessionValue = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, router is null ? new Uri("/v1/chat/completions", UriKind.Relative) : new Uri(router, "/v1/chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (sessionHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(sessionHeader, sessionValue);
        }

        using HttpResponseMessage response = await harness.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The pod of <paramref name="pods"/> whose recorded completion calls include one with <paramref name="marker"/>; fails unless exactly one has.</summary>
    private static VllmSimulator ServedBy(VllmSimulator[] pods, string marker, int calls = 1)
    {
        VllmSimulator? found = null;
        foreach (VllmSimulator pod in pods)
        {
            int count = pod.ReceivedRequests.Count(r => r.Path == "/v1/chat/completions" && Encoding.UTF8.GetString(r.Body).Contains(marker, StringComparison.Ordinal));
            if (count > 0)
            {
                Assert.Null(found);
                Assert.Equal(calls, count);
                found = pod;
            }
        }

        return Assert.IsType<VllmSimulator>(found);
    }

    [Fact]
    public async Task AConversationsSecondTurn_GoesToItsFirstTurnsDecodeAndPrefillPods()
    {
        await using RouterTestHarness harness = await StartFleetAsync();
        const int conversations = 8;
        var decodeOfTurn1 = new VllmSimulator[conversations];
        var prefillOfTurn1 = new VllmSimulator[conversations];
        for (int c = 0; c < conversations; c++)
        {
            await SendAsync(harness, null, Turn1(c));
            decodeOfTurn1[c] = ServedBy(harness.Decode, "Conversation " + c + ":");
            prefillOfTurn1[c] = ServedBy(harness.Prefill, "Conversation " + c + ":");
        }

        for (int c = 0; c < conversations; c++)
        {
            await SendAsync(harness, null, Turn2(c));
            Assert.Same(decodeOfTurn1[c], ServedBy(harness.Decode, "Turn two of " + c + ":"));
            Assert.Same(prefillOfTurn1[c], ServedBy(harness.Prefill, "Turn two of " + c + ":"));
        }

        // Conversations are not all on one pod: the key, not a fixed choice, decides.
        Assert.True(decodeOfTurn1.Distinct().Count() > 1, "every conversation went to one decode pod");
    }

    [Fact]
    public async Task TwoRouters_OverTheSamePods_ChooseTheSamePodsForTheSameRequests()
    {
        await using RouterTestHarness one = await StartFleetAsync();
        await using WebApplication two = RouterHost.Build(one.Options, new StaticDiscovery(one.Options), _ => { });
        await two.StartAsync();
        Uri twoAddress = RouterHost.GetListenAddress(two);
        var decodes = new HashSet<VllmSimulator>();
        for (int i = 0; i < 50; i++)
        {
            // The same messages (so the same key), told apart on the pods by a member the key does not cover.
            string messages = "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Request " + i + "\"}],\"max_tokens\":2,";
            string viaOne = messages + "\"user\":\"one-" + i + "\"}";
            string viaTwo = messages + "\"user\":\"two-" + i + "\"}";
            await SendAsync(one, null, viaOne);
            await SendAsync(one, twoAddress, viaTwo);

            VllmSimulator decode = ServedBy(one.Decode, "\"one-" + i + "\"");
            Assert.Same(decode, ServedBy(one.Decode, "\"two-" + i + "\""));
            Assert.Same(ServedBy(one.Prefill, "\"one-" + i + "\""), ServedBy(one.Prefill, "\"two-" + i + "\""));
            decodes.Add(decode);
        }

        Assert.Equal(3, decodes.Count);
    }

    [Fact]
    public async Task WithASessionKey_RequestsOfOneSessionStickTogether_WhateverTheirPrompts()
    {
        await using RouterTestHarness harness = await StartFleetAsync(o => o with { SessionKey = "x-session-id" });
        var decodes = new HashSet<VllmSimulator>();
        var prefills = new HashSet<VllmSimulator>();
        for (int i = 0; i < 8; i++)
        {
            string body = "{\"model\":\"" + RequestBodies.Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Unrelated prompt " + i + "\"}],\"max_tokens\":2}";
            await SendAsync(harness, null, body, "X-Session-Id", "session-42");
            decodes.Add(ServedBy(harness.Decode, "Unrelated prompt " + i + "\""));
            prefills.Add(ServedBy(harness.Prefill, "Unrelated prompt " + i + "\""));
        }

        Assert.Single(decodes);
        Assert.Single(prefills);
    }

    [Fact]
    public async Task PickReasons_AreCountedByRole_AndWrittenOnTheDebugLine()
    {
        await using RouterTestHarness harness = await StartFleetAsync(logLevel: LogLevel.Debug);
        await SendAsync(harness, null, Turn1(1));
        await SendAsync(harness, null, Turn1(2));

        string metrics = await harness.ScrapeAsync();
        Assert.Contains("fastrouter_pod_picks_total{role=\"prefill\",reason=\"affinity\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("fastrouter_pod_picks_total{role=\"decode\",reason=\"affinity\"} 2", metrics, StringComparison.Ordinal);

        string expected = "Picked prefill " + RouterTestHarness.PodName(ServedBy(harness.Prefill, "Conversation 1:")) + " (affinity) and decode "
            + RouterTestHarness.PodName(ServedBy(harness.Decode, "Conversation 1:")) + " (affinity) [request_id=";
        List<CapturedLog> lines = [.. harness.Logs.Lines.Where(l => l.EventId.Id == 44)];
        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.Level == LogLevel.Debug && l.Message.StartsWith(expected, StringComparison.Ordinal));
    }
}
