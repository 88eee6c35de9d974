using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using HdrHistogram;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// Counts per client x band and the TTFT histograms of the served requests, plus every client's served count and
/// the time of the last answer (for the served rate). One lock per finished request: tens a second, contention nil.
/// </summary>
internal sealed class OverloadStatistics
{
    private const int Cells = OverloadClient.Count * OverloadBand.Count;
    private const int Kinds = (int)OverloadOutcomeKind.Hanging + 1;

    private readonly Lock _gate = new();
    private readonly long[] _sent = new long[Cells];
    private readonly long[,] _outcomes = new long[Cells, Kinds];
    private readonly LongHistogram[] _ttft = new LongHistogram[Cells];
    private readonly LongHistogram[] _clientTtft = new LongHistogram[OverloadClient.Count];
    private readonly LongHistogram _allTtft = LatencyHistograms.Create();
    private long _start;
    private long _lastServed;
    private string? _firstError;

    public OverloadStatistics()
    {
        for (int i = 0; i < Cells; i++)
        {
            _ttft[i] = LatencyHistograms.Create();
        }

        for (int i = 0; i < _clientTtft.Length; i++)
        {
            _clientTtft[i] = LatencyHistograms.Create();
        }
    }

    public string? FirstError => _firstError;

    public void Started(long start) => _start = start;

    public void RecordSent(int client, int band)
    {
        lock (_gate)
        {
            _sent[Cell(client, band)]++;
        }
    }

    public void Record(int client, int band, OverloadOutcome outcome)
    {
        long now = MonotonicTime.Now;
        lock (_gate)
        {
            int cell = Cell(client, band);
            _outcomes[cell, (int)outcome.Kind]++;
            if (outcome.Kind == OverloadOutcomeKind.Served)
            {
                long ttft = LatencyHistograms.Clamp(outcome.TtftMicroseconds);
                _ttft[cell].RecordValue(ttft);
                _clientTtft[client].RecordValue(ttft);
                _allTtft.RecordValue(ttft);
                _lastServed = Math.Max(_lastServed, now);
            }
            else if (outcome.Kind != OverloadOutcomeKind.TooManyRequests && outcome.Kind != OverloadOutcomeKind.Unavailable)
            {
                _firstError ??= outcome.Error;
            }
        }
    }

    /// <summary>One client's band (or both bands with <paramref name="band"/> -1). Call after the run.</summary>
    public OverloadCellSummary Summarize(int client, int band)
    {
        lock (_gate)
        {
            long sent = 0;
            var kinds = new long[Kinds];
            for (int b = 0; b < OverloadBand.Count; b++)
            {
                if (band >= 0 && b != band)
                {
                    continue;
                }

                int cell = Cell(client, b);
                sent += _sent[cell];
                for (int k = 0; k < Kinds; k++)
                {
                    kinds[k] += _outcomes[cell, k];
                }
            }

            LongHistogram ttft = band >= 0 ? _ttft[Cell(client, band)] : _clientTtft[client];
            return new OverloadCellSummary(
                client, band, sent,
                kinds[(int)OverloadOutcomeKind.Served], kinds[(int)OverloadOutcomeKind.TooManyRequests], kinds[(int)OverloadOutcomeKind.Unavailable],
                kinds[(int)OverloadOutcomeKind.OtherError], kinds[(int)OverloadOutcomeKind.Hanging],
                MetricsCollector.Milliseconds(ttft, 50), MetricsCollector.Milliseconds(ttft, 99));
        }
    }

    /// <summary>TTFT percentile of every served request (ms).</summary>
    public double AllTtftMs(double percentile)
    {
        lock (_gate)
        {
            return MetricsCollector.Milliseconds(_allTtft, percentile);
        }
    }

    /// <summary>Served requests per second from the first arrival to the last served answer: the fleet's rate while it stayed busy.</summary>
    public double ServedPerSecond
    {
        get
        {
            lock (_gate)
            {
                long served = 0;
                for (int cell = 0; cell < Cells; cell++)
                {
                    served += _outcomes[cell, (int)OverloadOutcomeKind.Served];
                }

                double seconds = MonotonicTime.ToSeconds(_lastServed - _start);
                return served == 0 || seconds <= 0 ? 0 : served / seconds;
            }
        }
    }

    private static int Cell(int client, int band) => (client * OverloadBand.Count) + band;
}
