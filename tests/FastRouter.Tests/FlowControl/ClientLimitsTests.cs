using FastRouter.Configuration;
using FastRouter.FlowControl;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.FlowControl;

public sealed class ClientLimitsTests
{
    [Fact]
    public void A_client_at_its_concurrency_limit_is_refused_until_one_of_its_requests_ends()
    {
        var limits = new ClientLimits(new RouterOptions { ClientMaxConcurrent = 2 }, new ManualTimeProvider());
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(1, out ClientUsage? first, out _));
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(1, out _, out _));

        Assert.Equal(ClientLimitVerdict.TooManyConcurrent, limits.TryEnter(1, out _, out int retryAfter));
        Assert.Equal(1, retryAfter);
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(2, out _, out _));

        limits.Exit(first!);
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(1, out _, out _));
        Assert.Equal(1, limits.RejectedConcurrent);
    }

    [Fact]
    public void A_client_over_its_rate_waits_for_its_bucket_to_refill()
    {
        var clock = new ManualTimeProvider();
        var limits = new ClientLimits(new RouterOptions { ClientMaxRequestsPerSecond = 2 }, clock);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(7, out ClientUsage? usage, out _));
            limits.Exit(usage!);
        }

        Assert.Equal(ClientLimitVerdict.TooManyPerSecond, limits.TryEnter(7, out _, out int retryAfter));
        Assert.Equal(1, retryAfter);

        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(7, out _, out _));
        Assert.Equal(ClientLimitVerdict.TooManyPerSecond, limits.TryEnter(7, out _, out _));
        Assert.Equal(2, limits.RejectedRate);
    }

    [Fact]
    public void Random_client_keys_cannot_grow_the_table_past_its_bound()
    {
        var limits = new ClientLimits(new RouterOptions { ClientMaxConcurrent = 1 }, new ManualTimeProvider());
        // Every tracked client keeps one request in flight, so none can be swept.
        for (ulong client = 1; client <= ClientLimits.MaxClients; client++)
        {
            Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(client, out _, out _));
        }

        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(ulong.MaxValue, out ClientUsage? overflow, out _));
        Assert.Equal(ClientLimits.MaxClients, limits.TrackedClients);

        // Newcomers share the overflow entry, and so its limit.
        Assert.Equal(ClientLimitVerdict.TooManyConcurrent, limits.TryEnter(ulong.MaxValue - 1, out _, out _));
        limits.Exit(overflow!);
        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(ulong.MaxValue - 1, out _, out _));
    }

    [Fact]
    public void Idle_clients_are_swept_when_the_table_is_full()
    {
        var limits = new ClientLimits(new RouterOptions { ClientMaxConcurrent = 1 }, new ManualTimeProvider());
        for (ulong client = 1; client <= ClientLimits.MaxClients; client++)
        {
            Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(client, out ClientUsage? usage, out _));
            limits.Exit(usage!);
        }

        Assert.Equal(ClientLimitVerdict.Admitted, limits.TryEnter(ulong.MaxValue, out _, out _));
        Assert.Equal(1, limits.TrackedClients);
    }
}
