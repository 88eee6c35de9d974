namespace FastRouter.Engines;

/// <summary>
/// The samples of one <c>/metrics</c> answer, summed per <see cref="EngineSeries"/> over every label set (several
/// engines or models behind one pod): counts and counters add up; ratios are averaged over their samples.
/// </summary>
internal sealed class EngineFigures
{
    private const int SeriesCount = (int)EngineSeries.GenerationTokens + 1;

    private readonly double[] _sums = new double[SeriesCount];
    private readonly int[] _samples = new int[SeriesCount];

    public void Add(EngineSeries series, double value)
    {
        _sums[(int)series] += value;
        _samples[(int)series]++;
    }

    /// <summary>The sum over the series' samples; NaN when the answer had none.</summary>
    public double Sum(EngineSeries series) => _samples[(int)series] == 0 ? double.NaN : _sums[(int)series];

    /// <summary>The mean of the series' samples; NaN when the answer had none.</summary>
    public double Mean(EngineSeries series) => _samples[(int)series] == 0 ? double.NaN : _sums[(int)series] / _samples[(int)series];

    /// <summary>The new name's sum when present, else the old name's: never both, which would count an engine twice.</summary>
    public double SumPreferring(EngineSeries current, EngineSeries old) => _samples[(int)current] > 0 ? Sum(current) : Sum(old);

    /// <summary>Whether the answer held any vLLM series this router reads.</summary>
    public bool Any()
    {
        foreach (int count in _samples)
        {
            if (count > 0)
            {
                return true;
            }
        }

        return false;
    }
}
