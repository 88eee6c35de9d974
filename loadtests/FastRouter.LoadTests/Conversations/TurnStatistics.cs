using FastRouter.LoadTests.Metrics;
using HdrHistogram;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// TTFT and ITL histograms, successes and errors per turn number (index 0 = every turn). One lock per finished
/// turn: conversations finish a few turns a second, so contention is nil.
/// </summary>
internal sealed class TurnStatistics
{
    private readonly Lock _gate = new();
    private readonly LongHistogram[] _ttft;
    private readonly LongHistogram[] _itl;
    private readonly long[] _succeeded;
    private readonly long[] _failed;
    private string? _firstError;

    public TurnStatistics(int turns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(turns);
        Turns = turns;
        _ttft = new LongHistogram[turns + 1];
        _itl = new LongHistogram[turns + 1];
        for (int i = 0; i <= turns; i++)
        {
            _ttft[i] = LatencyHistograms.Create();
            _itl[i] = LatencyHistograms.Create();
        }

        _succeeded = new long[turns + 1];
        _failed = new long[turns + 1];
    }

    public int Turns { get; }

    public string? FirstError => _firstError;

    /// <param name="turn">1-based turn number.</param>
    /// <param name="outcome">The turn's outcome.</param>
    /// <param name="countLatency">False for a conversation of the warm-up: counted, its TTFT and ITL left out.</param>
    public void Record(int turn, TurnOutcome outcome, bool countLatency = true)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_gate)
        {
            foreach (int slot in (ReadOnlySpan<int>)[0, turn])
            {
                if (!outcome.Succeeded)
                {
                    _failed[slot]++;
                    continue;
                }

                _succeeded[slot]++;
                if (!countLatency)
                {
                    continue;
                }

                _ttft[slot].RecordValue(LatencyHistograms.Clamp(outcome.TtftMicroseconds));
                foreach (long gap in outcome.GapsMicroseconds)
                {
                    _itl[slot].RecordValue(LatencyHistograms.Clamp(gap));
                }
            }

            if (!outcome.Succeeded)
            {
                _firstError ??= outcome.Error;
            }
        }
    }

    /// <summary>The figures of turn <paramref name="turn"/> (0 = all turns). Call after the run.</summary>
    public TurnSummary Summarize(int turn)
    {
        lock (_gate)
        {
            return new TurnSummary(
                turn,
                _succeeded[turn],
                _failed[turn],
                MetricsCollector.Milliseconds(_ttft[turn], 50),
                MetricsCollector.Milliseconds(_ttft[turn], 99),
                MetricsCollector.Milliseconds(_itl[turn], 50),
                MetricsCollector.Milliseconds(_itl[turn], 99));
        }
    }
}
