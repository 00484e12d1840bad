// BootstrapTolerance — the band of a metric whose spread comes from a fit's bootstrap rather than from re-running seeds
// (a sweep's fitted scaling exponents; docs/harness.md "Tolerance model"): σ = half the 95 % percentile interval / 1.96
// (the interval of a normal estimate is ±1.96σ), and since a later run's estimate carries the same sampling error as the
// stored one, their difference has sd σ·√2; a one-sided regression at the Bonferroni level α/M over the M gated
// metrics gives the band k·σ with k = Φ⁻¹(1 − α/M)·√2. It derives numbers only; the baseline update applies them.

namespace InterpEval.Harness.Baselines;

public static class BootstrapTolerance
{
    /// <summary>Φ⁻¹(0.975): a 95 % interval of a normal estimate is ±Z95·σ.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The calibration of an estimate with 95 % bootstrap interval [lo, hi] from `resamples` resamples.</summary>
    public static Calibration Calibrate(double value, double lo, double hi, int resamples, int familySize)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi) || hi < lo) throw new ArgumentException($"bootstrap interval [{lo}, {hi}] is not a finite interval");
        familySize = Math.Max(1, familySize);
        double sigma = ToleranceModel.Sigma(0, (hi - lo) / (2 * Z95), 0, value);
        return new Calibration(Math.Max(2, resamples), 0, (hi - lo) / (2 * Z95), 0, sigma, Multiplier(familySize), familySize, ToleranceModel.FamilyAlpha)
        {
            Method = Calibration.BootstrapMethod, Ci95 = [lo, hi],
        };
    }

    /// <summary>k = Φ⁻¹(1 − α/M)·√2.</summary>
    public static double Multiplier(int familySize, double familyAlpha = ToleranceModel.FamilyAlpha) =>
        NormalQuantile(1 - familyAlpha / Math.Max(1, familySize)) * Math.Sqrt(2);

    /// <summary>Φ⁻¹(p) by bisection on Φ (to 1e-12).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "probability must lie in (0, 1)");
        double lo = -40, hi = 40;
        for (int i = 0; i < 200 && hi - lo > 1e-12; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (StudentT.NormalCdf(mid) < p) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
