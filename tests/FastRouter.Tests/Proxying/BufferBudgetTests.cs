using FastRouter.Configuration;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>The process-wide budget of buffered bytes: exact under contention, bounded waits, and its default.</summary>
public sealed class BufferBudgetTests
{
    [Fact]
    public void TryTake_FitsUpToTheLimitExactly()
    {
        var budget = new BufferBudget(1000, TimeSpan.Zero);

        Assert.True(budget.TryTake(600));
        Assert.True(budget.TryTake(400));
        Assert.False(budget.TryTake(1));
        budget.Return(1);
        Assert.True(budget.TryTake(1));
        Assert.Equal(1000, budget.Used);
    }

    [Fact]
    public async Task ManyThreadsTakingAndReturning_NeverExceedTheLimit_AndLeaveNothingCharged()
    {
        var budget = new BufferBudget(10_000, TimeSpan.Zero);
        long over = 0;
        Task[] workers = new Task[4];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(() =>
            {
                for (int i = 0; i < 200_000; i++)
                {
                    int bytes = 1 + (i % 3000);
                    if (budget.TryTake(bytes))
                    {
                        if (budget.Used > 10_000)
                        {
                            Interlocked.Increment(ref over);
                        }

                        budget.Return(bytes);
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        Assert.Equal(0, Interlocked.Read(ref over));
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task TakeAsync_GivesUpAfterItsWait_WhenNothingIsReturned()
    {
        var budget = new BufferBudget(100, TimeSpan.FromMilliseconds(200));
        Assert.True(budget.TryTake(100));

        Assert.False(await budget.TakeAsync(1, CancellationToken.None));
        Assert.Equal(100, budget.Used);
    }

    [Fact]
    public async Task TakeAsync_EndsWithTheClientsAbort()
    {
        var budget = new BufferBudget(100, TimeSpan.FromMinutes(5));
        Assert.True(budget.TryTake(100));
        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await budget.TakeAsync(1, abort.Token));
        Assert.Equal(100, budget.Used);
    }

    [Theory]
    // A 1 GiB pod: the GC may use 768 MiB (75 %), a quarter of it is 192 MiB.
    [InlineData(768L * 1024 * 1024, 32L * 1024 * 1024, 192L * 1024 * 1024)]
    // A large machine or pod: capped at 256 MiB.
    [InlineData(24L * 1024 * 1024 * 1024, 32L * 1024 * 1024, 256L * 1024 * 1024)]
    // A tiny pod: still one body of the largest size (and the byte that shows its end).
    [InlineData(96L * 1024 * 1024, 32L * 1024 * 1024, 32L * 1024 * 1024 + 1)]
    public void TheDefault_IsAQuarterOfTheGcsMemory_CappedAt256MiB_AndAtLeastOneLargestBody(long available, long maxBody, long expected)
    {
        Assert.Equal(expected, BufferBudget.DefaultLimit(available, maxBody));
    }

    [Fact]
    public void AGivenBudget_WinsOverTheDefault()
    {
        var options = new RouterOptions { MaxBufferedBytes = 5_000_000 };

        Assert.Equal(5_000_000, BufferBudget.ResolveLimit(options));
        Assert.Equal(BufferBudget.DefaultLimit(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, options.MaxRequestBodyBytes), BufferBudget.ResolveLimit(new RouterOptions()));
    }
}
