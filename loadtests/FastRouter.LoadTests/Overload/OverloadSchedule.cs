using FastRouter.LoadTests.Running;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// The whole arrival schedule, drawn up front from the seed: one Poisson stream per client at its own rate, each
/// arrival's band drawn with the high share, merged in time order. Drawn before the run so that flow control off
/// and on see the same requests at the same offsets.
/// </summary>
internal static class OverloadSchedule
{
    public static IReadOnlyList<OverloadArrival> Build(OverloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var offsets = new List<(double Offset, int Client, int Band)>();
        double window = options.Duration.TotalSeconds;
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            double rate = client == OverloadClient.Heavy ? options.HeavyRate : options.LightRate;
            if (rate <= 0)
            {
                continue;
            }

            var arrivals = new PoissonSchedule(rate, new Random(StableSeed.Mix(options.Seed, 0x0A11, client)));
            var bands = new Random(StableSeed.Mix(options.Seed, 0xBA4D, client));
            for (double offset = arrivals.NextGapSeconds(); offset < window; offset += arrivals.NextGapSeconds())
            {
                offsets.Add((offset, client, bands.NextDouble() < options.HighShare ? OverloadBand.High : OverloadBand.Low));
            }
        }

        offsets.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var schedule = new OverloadArrival[offsets.Count];
        for (int i = 0; i < schedule.Length; i++)
        {
            schedule[i] = new OverloadArrival(i, offsets[i].Offset, offsets[i].Client, offsets[i].Band);
        }

        return schedule;
    }
}
