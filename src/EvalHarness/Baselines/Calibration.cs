// Calibration — what a calibrated baseline entry stores about how its metric varies (docs/harness.md, "Tolerance
// model"): the seed-to-seed spread over N calibration runs (or, for a fitted exponent, its bootstrap interval:
// BootstrapTolerance), the eval-batch stderr, the metric's resolution (the step a
// quantised metric moves in), and the σ and multiplier its band was derived from. The band itself is the entry's
// tolerance; this record is the evidence, and the gate's z-scores divide by Sigma.
namespace InterpEval.Harness.Baselines;

/// <param name="Runs">N: calibration runs (seeds) the spread was measured over.</param>
/// <param name="SeedSd">Sample standard deviation of the value across those runs (N − 1 in the denominator).</param>
/// <param name="BatchStderr">The largest eval-batch standard error any run reported (0 when the suite reports none).</param>
/// <param name="Resolution">The smallest step the metric moves in (1/W for a fraction of W latents; 0 when continuous).</param>
/// <param name="Sigma">σ = max(SeedSd, BatchStderr, Resolution / 2, 1e-6·max(1, |mean|)).</param>
/// <param name="Multiplier">k: the band is k·σ (Student-t prediction quantile at the Bonferroni level, × √(1 + 1/N)).</param>
/// <param name="FamilySize">M: the gated metrics the family-wise false-alarm rate is spread over.</param>
/// <param name="FamilyAlpha">The designed family-wise false-alarm rate (0.01).</param>
public sealed record Calibration(int Runs, double SeedSd, double BatchStderr, double Resolution, double Sigma, double Multiplier,
    int FamilySize, double FamilyAlpha)
{
    /// <summary>Method "seeds" (the default) or "bootstrap" (Runs = resamples, BatchStderr = the interval's σ).</summary>
    public string Method { get; init; } = SeedsMethod;

    /// <summary>The 95 % bootstrap interval σ came from (method "bootstrap"); null otherwise.</summary>
    public IReadOnlyList<double>? Ci95 { get; init; }

    public const string SeedsMethod = "seeds", BootstrapMethod = "bootstrap";

    /// <summary>The band this calibration derives: k·σ.</summary>
    public double Band => Multiplier * Sigma;
}
