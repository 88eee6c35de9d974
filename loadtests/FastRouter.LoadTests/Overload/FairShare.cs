namespace FastRouter.LoadTests.Overload;

/// <summary>
/// Max-min fair shares of a served total among clients with given demands (water-filling): the total is split
/// equally among the clients still wanting more; a client that wants less than its equal part gets all it wants and
/// the rest is split again among the others. Pure, so the report's "fair share" column is testable on its own.
/// </summary>
internal static class FairShare
{
    /// <summary>Each client's fair allocation (same units as <paramref name="demands"/>); sums to min(total, sum of demands).</summary>
    public static double[] Allocate(IReadOnlyList<double> demands, double total)
    {
        ArgumentNullException.ThrowIfNull(demands);
        var allocation = new double[demands.Count];
        var satisfied = new bool[demands.Count];
        double left = Math.Max(0, total);
        int wanting = 0;
        for (int i = 0; i < demands.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(demands[i]);
            satisfied[i] = demands[i] == 0;
            wanting += satisfied[i] ? 0 : 1;
        }

        while (wanting > 0 && left > 0)
        {
            double equal = left / wanting;
            bool anySatisfied = false;
            for (int i = 0; i < demands.Count; i++)
            {
                if (!satisfied[i] && demands[i] <= equal)
                {
                    allocation[i] = demands[i];
                    left -= demands[i];
                    satisfied[i] = true;
                    wanting--;
                    anySatisfied = true;
                }
            }

            if (!anySatisfied)
            {
                // Every remaining client wants more than an equal part: that part is what each gets.
                for (int i = 0; i < demands.Count; i++)
                {
                    if (!satisfied[i])
                    {
                        allocation[i] = equal;
                    }
                }

                break;
            }
        }

        return allocation;
    }

    /// <summary>Each client's fair share of <paramref name="total"/>, as a fraction of it (0 when nothing was served).</summary>
    public static double[] Shares(IReadOnlyList<double> demands, double total)
    {
        double[] shares = Allocate(demands, total);
        for (int i = 0; i < shares.Length; i++)
        {
            shares[i] = total > 0 ? shares[i] / total : 0;
        }

        return shares;
    }
}
