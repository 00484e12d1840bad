// ToleranceModel — derives a metric's allowed band from N calibration runs (DESIGN §10, docs/harness.md "Tolerance
// model"). A later run x is compared with the calibration mean m; under "nothing changed" x − m has standard deviation
// σ·√(1 + 1/N), and with σ estimated from N runs (x − m)/(s·√(1 + 1/N)) follows Student's t with N − 1 degrees of
// freedom. A regression is one-sided, so the family-wise false-alarm rate over M gated metrics stays ≤ α by Bonferroni:
// each metric is allowed k = t⁻¹(1 − α/M; N − 1)·√(1 + 1/N) standard deviations. σ is the larger of the seed spread and
// the eval-batch stderr, floored at half a resolution step (a quantised metric seen constant over seeds still moves
// by a step) and at 1e-6 of its magnitude (float summation order across CPUs and thread counts).

namespace InterpEval.Harness.Baselines;

public static class ToleranceModel
{
    /// <summary>The designed family-wise false-alarm rate over all gated metrics of a profile.</summary>
    public const double FamilyAlpha = 0.01;

    /// <summary>Relative floor on σ: float summation order moves float32 sums in about the sixth digit.</summary>
    public const double RelativeFloor = 1e-6;

    /// <summary>k for N calibration runs and M gated metrics (N ≥ 2, M ≥ 1).</summary>
    public static double Multiplier(int runs, int familySize, double familyAlpha = FamilyAlpha)
    {
        if (runs < 2) throw new ArgumentOutOfRangeException(nameof(runs), runs, "a spread needs at least 2 calibration runs");
        familySize = Math.Max(1, familySize);
        return Multipliers.GetOrAdd((runs, familySize, familyAlpha),
            key => StudentT.Quantile(1 - key.Alpha / key.M, key.N - 1) * Math.Sqrt(1 + 1.0 / key.N));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int N, int M, double Alpha), double> Multipliers = new();

    /// <summary>The calibration of one metric from its values over N runs.</summary>
    /// <param name="values">The metric's value in each calibration run (N ≥ 2, all finite).</param>
    /// <param name="batchStderr">The largest eval-batch stderr reported (0 when none).</param>
    /// <param name="resolution">The step a quantised metric moves in (0 when continuous).</param>
    /// <param name="familySize">M, the gated metrics of the profile.</param>
    public static Calibration Calibrate(IReadOnlyList<double> values, double batchStderr, double resolution, int familySize)
    {
        if (values.Count < 2) throw new ArgumentException($"calibration needs at least 2 runs, got {values.Count}", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("calibration values must be finite", nameof(values));
        double mean = Mean(values);
        double seedSd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        double sigma = Sigma(seedSd, batchStderr, resolution, mean);
        return new Calibration(values.Count, seedSd, batchStderr, resolution, sigma, Multiplier(values.Count, familySize), Math.Max(1, familySize), FamilyAlpha);
    }

    /// <summary>σ = max(seed spread, batch stderr, resolution / 2, 1e-6·max(1, |mean|)).</summary>
    public static double Sigma(double seedSd, double batchStderr, double resolution, double mean) =>
        Math.Max(Math.Max(seedSd, batchStderr), Math.Max(resolution / 2, RelativeFloor * Math.Max(1, Math.Abs(mean))));

    public static double Mean(IReadOnlyList<double> values) => values.Sum() / values.Count;
}
