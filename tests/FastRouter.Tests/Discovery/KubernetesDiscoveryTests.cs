using FastRouter.Discovery;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Discovery.FakePods;

namespace FastRouter.Tests.Discovery;

/// <summary>List-then-watch against the fake API server: what becomes routable, and when.</summary>
public sealed class KubernetesDiscoveryTests
{
    [Fact]
    public async Task ListedPods_AreRoutableByRole_AndUnknownLabelsIgnored()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(seed: api =>
        {
            api.SetPod(Pod("prefill-0", "127.0.0.11", "prefill"));
            api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
            api.SetPod(Pod("other-0", "127.0.0.13", "embedding"));
            api.SetPod(Pod("pending-0", null, "decode"));
        });

        await f.WaitUntilAsync(t => t.PrefillCount == 1 && t.DecodeCount == 1, "one prefill and one decode pod");
        Assert.True(f.Discovery.IsSynchronized);
        Assert.Equal("http://127.0.0.11:9", f.Table.AnyModel.Prefill[0].Name);
        Assert.Equal("http://127.0.0.12:9", f.Table.AnyModel.Decode[0].Name);
        Assert.Equal(2, f.Table.Backends.Length);
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(206), "ignored pod logged");
        Assert.Equal("vllm", f.Discovery.Namespace); // the kubeconfig context's namespace
        Assert.StartsWith("/api/v1/namespaces/vllm/pods", f.Api.Lists.First().Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LabelSelector_WithInSet_ReachesTheApiServer()
    {
        const string Selector = "app in (prefill,decode),tier!=test,!canary,model";
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(KubernetesTestSupport.Options(selector: Selector));
        await f.WaitForWatchAsync();

        Assert.Equal(Selector, f.Api.Lists.First().LabelSelector);
        Assert.Equal(Selector, f.Api.Watches.First().LabelSelector);
        Assert.DoesNotContain(' ', f.Api.Lists.First().RawQuery);
        Assert.Contains("allowWatchBookmarks=true", f.Api.Watches.First().RawQuery, StringComparison.Ordinal);
        Assert.Contains("timeoutSeconds=", f.Api.Watches.First().RawQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchedPods_Added_Ready_Unready_Terminating_Deleted()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync();
        await f.WaitForWatchAsync();
        Assert.Empty(f.Table.Backends);

        // Added but not Ready: known, not routable.
        f.Api.SetPod(Pod("decode-0", "127.0.0.12", "decode", ready: false));
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(202), "pod added");
        Assert.Equal(0, f.Table.DecodeCount);

        f.Api.ModifyPod("decode-0", pod => SetReady(pod, true));
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode ready");
        Backend first = f.Table.AnyModel.Decode[0];

        f.Api.ModifyPod("decode-0", pod => SetReady(pod, false));
        await f.WaitUntilAsync(t => t.DecodeCount == 0, "decode unready");

        // Back to Ready at the same address: the same backend (and connection pool) is reused.
        f.Api.ModifyPod("decode-0", pod => SetReady(pod, true));
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode ready again");
        Assert.Same(first, f.Table.AnyModel.Decode[0]);

        f.Api.ModifyPod("decode-0", SetTerminating);
        await f.WaitUntilAsync(t => t.DecodeCount == 0, "terminating pod out of the table");

        f.Api.DeletePod("decode-0");
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(203), "pod removed");
        Assert.Empty(f.Table.Backends);
        Assert.True(f.Logged(204) && f.Logged(205));
    }

    [Fact]
    public async Task NewAddress_ForTheSameName_IsANewBackend()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(seed: api => api.SetPod(Pod("decode-0", "127.0.0.12", "decode")));
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode pod");
        Backend first = f.Table.AnyModel.Decode[0];

        f.Api.ModifyPod("decode-0", pod => pod["status"]!["podIP"] = "127.0.0.22");
        await f.WaitUntilAsync(t => t.DecodeCount == 1 && t.AnyModel.Decode[0].Name == "http://127.0.0.22:9", "new address");
        Assert.NotSame(first, f.Table.AnyModel.Decode[0]);
    }

    [Fact]
    public async Task RemovedPod_PoolDisposedOnlyOnceDrained()
    {
        // The drain poll runs on this clock: each Advance below runs the polls that fall due, here, before it returns.
        var time = new ManualTimeProvider();
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(seed: api => api.SetPod(Pod("decode-0", "127.0.0.12", "decode")), time: time);
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode pod");
        await f.WaitForWatchAsync();
        Backend backend = f.Table.AnyModel.Decode[0];
        backend.Reserve();

        f.Api.DeletePod("decode-0");
        await f.WaitUntilAsync(t => t.DecodeCount == 0, "pod gone");
        time.Advance(DrainPolls(6)); // still in flight, so still retired and usable
        Assert.Equal(1, f.Discovery.RetiredCount);
        using var request = new HttpRequestMessage(HttpMethod.Get, backend.ModelsUri);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => backend.Invoker.SendAsync(request, CancellationToken.None)); // refused, not disposed

        backend.Release();
        time.Advance(DrainPolls(1));
        Assert.Equal(0, f.Discovery.RetiredCount);
        using var after = new HttpRequestMessage(HttpMethod.Get, backend.ModelsUri);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => backend.Invoker.SendAsync(after, CancellationToken.None));
    }

    [Fact]
    public async Task Gone_DuringWatch_ListsAgain()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(seed: api => api.SetPod(Pod("decode-0", "127.0.0.12", "decode")));
        await f.WaitForWatchAsync();
        Assert.Single(f.Api.Lists);

        // A change the watch never delivers (compacted away); only a fresh list can show it.
        f.Api.ModifyPod("decode-0", pod => SetReady(pod, false), broadcast: false);
        f.Api.ExpireWatches();

        await f.WaitUntilAsync(t => t.DecodeCount == 0, "re-listed view");
        Assert.Equal(2, f.Api.Lists.Count());
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(211), "re-list logged");
    }

    [Fact]
    public async Task WatchClosedByServer_ResumesFromLastResourceVersion_WithoutListing()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync();
        await f.WaitForWatchAsync();
        f.Api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode pod");
        string seen = f.Api.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        f.Api.CloseWatches();
        await KubernetesTestSupport.WaitUntilAsync(() => f.Api.Watches.Count() >= 2, "a resumed watch");
        Assert.Equal(seen, f.Api.Watches.Last().ResourceVersion);
        Assert.Single(f.Api.Lists);

        // Changes made while no watch was open are replayed from that version.
        f.Api.CloseWatches();
        f.Api.SetPod(Pod("prefill-0", "127.0.0.11", "prefill"));
        await f.WaitUntilAsync(t => t.PrefillCount == 1, "prefill pod after resume");
        Assert.Single(f.Api.Lists);
    }

    [Fact]
    public async Task Bookmark_AdvancesTheResourceVersion()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync();
        await f.WaitForWatchAsync();
        long bookmark = f.Api.SendBookmark();
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(213), "bookmark handled");

        f.Api.CloseWatches();
        await KubernetesTestSupport.WaitUntilAsync(() => f.Api.Watches.Count() >= 2, "a resumed watch");
        Assert.Equal(bookmark.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Api.Watches.Last().ResourceVersion);
        Assert.Empty(f.Table.Backends);
    }

    [Fact]
    public async Task ApiServerDownAtStart_NotSynchronized_ThenSynchronizedWhenItComesBack()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(start: false, seed: api =>
        {
            api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
            api.Failing = true;
        });
        await f.Discovery.StartAsync(CancellationToken.None);

        await KubernetesTestSupport.WaitUntilAsync(() => f.Api.Requests.Count >= 3, "retries");
        Assert.False(f.Discovery.IsSynchronized);
        Assert.Empty(f.Table.Backends);
        Assert.True(f.Logged(208));

        f.Api.Failing = false;
        await KubernetesTestSupport.WaitUntilAsync(() => f.Discovery.IsSynchronized, "synchronized");
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode pod");

        // The recovery line is written just after the new table is published.
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(210), "recovery logged");
    }

    [Fact]
    public async Task ApiServerNotListeningAtStart_ThenListening()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(start: false, seed: api => api.SetPod(Pod("decode-0", "127.0.0.12", "decode")));
        await f.Api.StopListeningAsync();
        await f.Discovery.StartAsync(CancellationToken.None);
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logs.Lines.Count(l => l.EventId.Id is 208 or 209) >= 2, "failed attempts");
        Assert.False(f.Discovery.IsSynchronized);

        await f.Api.ResumeListeningAsync();
        await f.WaitUntilAsync(t => t.DecodeCount == 1, "decode pod");
        Assert.True(f.Discovery.IsSynchronized);
    }

    [Fact]
    public async Task ApiServerDownMidway_KeepsTheLastPods_AndCatchesUp()
    {
        await using DiscoveryFixture f = await DiscoveryFixture.CreateAsync(seed: api =>
        {
            api.SetPod(Pod("prefill-0", "127.0.0.11", "prefill"));
            api.SetPod(Pod("decode-0", "127.0.0.12", "decode"));
        });
        await f.WaitUntilAsync(t => t.Backends.Length == 2, "two pods");
        await f.WaitForWatchAsync();

        await f.Api.StopListeningAsync();
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logs.Lines.Count(l => l.EventId.Id is 208 or 209) >= 3, "failed attempts");
        Assert.Equal(2, f.Table.Backends.Length);
        Assert.True(f.Discovery.IsSynchronized);

        await f.Api.ResumeListeningAsync();
        f.Api.Failing = true;
        await KubernetesTestSupport.WaitUntilAsync(() => f.Api.Requests.Count(r => r.IsWatch) >= 2, "attempts answered 500");
        Assert.Equal(2, f.Table.Backends.Length);

        f.Api.Failing = false;
        f.Api.DeletePod("prefill-0");
        await f.WaitUntilAsync(t => t.Backends.Length == 1, "caught up after the outage");
        await KubernetesTestSupport.WaitUntilAsync(() => f.Logged(210), "recovery logged");
    }

    private static TimeSpan DrainPolls(int count) => KubernetesTestSupport.DrainPollInterval * count;
}
