// PowerLawBootstrap — a power-law fit with 95 % percentile-bootstrap intervals: the points are resampled with
// replacement (a resample with fewer distinct x than parameters is drawn again), each resample refitted, and the 2.5th
// and 97.5th percentiles of each parameter (and of any derived quantity a caller asks for) reported. Seeded, so the same
// points and seed give the same intervals. Intervals only: no hypothesis tests, no parametric (Hessian) errors.
namespace InterpEval.Suites.Scaling;

/// <param name="Lo">2.5th percentile over the resamples.</param>
/// <param name="Hi">97.5th percentile.</param>
public readonly record struct Interval(double Lo, double Hi)
{
    public bool Contains(double v) => v >= Lo && v <= Hi;
}

/// <param name="Fit">The fit to all points.</param>
/// <param name="A">95 % interval of a.</param>
/// <param name="B">95 % interval of b.</param>
/// <param name="C">95 % interval of c.</param>
/// <param name="Resamples">Bootstrap resamples fitted.</param>
/// <param name="Draws">Every resample refitted (Fit for the bootstrap estimate of a derived quantity).</param>
public sealed record PowerLawEstimate(PowerLaw Fit, Interval A, Interval B, Interval C, int Resamples, IReadOnlyList<PowerLaw> Draws)
{
    /// <summary>Parameters fitted (3 with the offset, 2 without).</summary>
    public int Parameters { get; init; } = 3;

    /// <summary>As many distinct points as parameters: the law passes through them and every resample refits the same
    /// points, so the intervals collapse and say nothing about the uncertainty.</summary>
    public bool Exact => Fit.N <= Parameters || Draws.Count == 0;

    /// <summary>The 95 % interval of any function of the fitted law, over the same resamples.</summary>
    public Interval IntervalOf(Func<PowerLaw, double> quantity) => PowerLawBootstrap.Percentiles(Draws.Select(quantity).ToArray());
}

public static class PowerLawBootstrap
{
    /// <summary>The fit to all points plus 95 % intervals from `resamples` bootstrap refits (0 = intervals collapse to the fit).</summary>
    public static PowerLawEstimate Estimate(IReadOnlyList<double> x, IReadOnlyList<double> y, int resamples = 1000, ulong seed = 0,
        PowerLawFitOptions? options = null)
    {
        if (resamples < 0) throw new ArgumentException($"bootstrap resamples is {resamples} — expected 0 or more");
        PowerLawFitOptions o = (options ?? new PowerLawFitOptions()).Validate();
        PowerLawFitter.Check(x, y, o);
        PowerLaw fit = PowerLawFitter.FitChecked(x, y, o);
        var rng = new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x5eed));
        var draws = new List<PowerLaw>(resamples);
        int n = x.Count;
        var bx = new double[n];
        var by = new double[n];
        for (int s = 0; s < resamples; s++)
        {
            do
            {
                for (int i = 0; i < n; i++)
                {
                    int j = rng.Next(n);
                    bx[i] = x[j];
                    by[i] = y[j];
                }
            } while (bx.Distinct().Count() < o.Parameters);
            draws.Add(PowerLawFitter.FitChecked(bx, by, o));
        }
        if (draws.Count == 0) draws.Add(fit);
        return new PowerLawEstimate(fit, Percentiles(draws.Select(d => d.A).ToArray()), Percentiles(draws.Select(d => d.B).ToArray()),
            Percentiles(draws.Select(d => d.C).ToArray()), resamples, draws) { Parameters = o.Parameters };
    }

    /// <summary>The 2.5th and 97.5th percentiles (linear interpolation between order statistics).</summary>
    public static Interval Percentiles(double[] values)
    {
        var sorted = values.Where(double.IsFinite).OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return new Interval(double.NaN, double.NaN);
        return new Interval(Quantile(sorted, 0.025), Quantile(sorted, 0.975));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
