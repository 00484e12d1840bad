// SweepMetrics — a sweep's fitted scaling exponents as metric records of the run (suite "scaling", subject
// "<variant>/<law>", name "b": scaling/topk-k16/loss_vs_compute/b), each with its stderr σ = half its 95 % bootstrap
// interval / 1.96, and the baseline entries a --update-baselines writes for them: the band from that interval
// (BootstrapTolerance), not from re-running seeds. The loss exponents gate (higher b: the loss falls faster); the
// compute-optimal width and token exponents are recorded with no better side. Laws that could not be fitted, or were
// fitted exactly (as many points as parameters, no interval), give no record.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Gates;
using InterpEval.Suites;
using InterpEval.Suites.Scaling;

namespace InterpEval.Harness.Sweeps;

public static class SweepMetrics
{
    public const string SuiteName = "scaling";

    /// <summary>The exponent b of every fitted law with an interval.</summary>
    public static IReadOnlyList<MetricRecord> Records(IReadOnlyList<ArchitectureScaling> fits) =>
        [.. Exponents(fits).Select(x => new MetricRecord(SuiteName, $"{x.Variant}/{x.Law.Name}", "b", x.Estimate.Fit.B, "", DirectionOf(x.Law.Name),
            Stderr: (x.Estimate.B.Hi - x.Estimate.B.Lo) / (2 * BootstrapTolerance.Z95)))];

    /// <summary>Key → the estimate behind it (for the bootstrap calibration).</summary>
    public static IReadOnlyDictionary<string, PowerLawEstimate> Estimates(IReadOnlyList<ArchitectureScaling> fits) =>
        Exponents(fits).ToDictionary(x => $"{SuiteName}/{x.Variant}/{x.Law.Name}/b", x => x.Estimate, StringComparer.Ordinal);

    public static MetricDirection DirectionOf(string law) =>
        law is ScalingFits.LossVsCompute or ScalingFits.LossVsWidth ? MetricDirection.Higher : MetricDirection.None;

    private static IEnumerable<(string Variant, ScalingLaw Law, PowerLawEstimate Estimate)> Exponents(IReadOnlyList<ArchitectureScaling> fits) =>
        from a in fits
        from law in a.Laws
        where law.Estimate is { Exact: false } e && double.IsFinite(e.Fit.B) && double.IsFinite(e.B.Lo) && double.IsFinite(e.B.Hi)
        select (a.Architecture, law, law.Estimate!);

    /// <summary>The baseline with every exponent's entry banded by its bootstrap interval (k·σ over the baseline's gated
    /// metrics), unless the previous file holds a hand-edited tolerance for it, which wins.</summary>
    public static Baseline WithBootstrapTolerances(Baseline updated, IReadOnlyDictionary<string, PowerLawEstimate> estimates, Baseline? previous)
    {
        int familySize = updated.Entries.Values.Count(e => e.Direction != MetricDirection.None);
        var entries = new Dictionary<string, BaselineEntry>(updated.Entries, StringComparer.Ordinal);
        foreach ((string key, PowerLawEstimate e) in estimates)
        {
            if (!entries.TryGetValue(key, out BaselineEntry? entry)) continue;
            Calibration c = BootstrapTolerance.Calibrate(entry.Value, e.B.Lo, e.B.Hi, e.Resamples, familySize);
            bool handEdited = previous?.Entries.GetValueOrDefault(key) is { ToleranceHandEdited: true };
            entries[key] = entry with { Tolerance = handEdited ? entry.Tolerance : new Tolerance(c.Band, null), Calibration = c };
        }
        return updated with { Entries = entries };
    }
}
