// MetricConclusion — the gate's immutable conclusion about one metric: the verdict, the current record and the stored
// entry it was compared with, the band it was allowed, its z-score (the change in calibrated standard deviations), and
// one sentence saying why. Exporters read it; none recompute it.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Gates;

/// <param name="Key">suite/subject/name.</param>
/// <param name="Verdict">regressed, same, improved, new or missing.</param>
/// <param name="Current">The run's record (null when missing).</param>
/// <param name="Baseline">The stored entry (null when new).</param>
/// <param name="Allowed">The allowed |current − baseline| (0 when either side is absent).</param>
public sealed record MetricConclusion(string Key, Verdict Verdict, MetricRecord? Current, BaselineEntry? Baseline, double Allowed)
{
    /// <summary>current − baseline, when both exist.</summary>
    public double? Delta => Current is not null && Baseline is not null ? Current.Value - Baseline.Value : null;

    /// <summary>The change in units of the entry's calibrated σ (null when uncalibrated or either side is absent).</summary>
    public double? Z => Delta is { } d && Baseline?.Calibration is { Sigma: > 0 } c && double.IsFinite(d) ? d / c.Sigma : null;

    /// <summary>"+9.3σ", or "" when there is no z-score.</summary>
    public string ZText => Z is { } z ? FormatZ(z) : "";

    /// <summary>A z-score for display: one decimal, signed ("+9.3σ", "-0.4σ").</summary>
    public static string FormatZ(double z) =>
        (z >= 0 ? "+" : "") + z.ToString(Math.Abs(z) >= 100 ? "F0" : "F1", System.Globalization.CultureInfo.InvariantCulture) + "σ";

    /// <summary>Which way is better (the baseline's when stored, else the record's).</summary>
    public MetricDirection Direction => Baseline?.Direction ?? Current?.Direction ?? MetricDirection.None;

    /// <summary>One sentence: "reconstruction/topk/fvu regressed: 0.12 → 0.15 (+0.03, +9.3σ; allowed ±0.01; lower is better)".</summary>
    public string Message => Verdict switch
    {
        Verdict.New => $"{Key} is new: {Numbers.Format(Current!.Value)} (no baseline)",
        Verdict.Missing => $"{Key} is missing: the baseline has {Numbers.Format(Baseline!.Value)} but the run produced no value",
        _ => $"{Key} {Verdict.Name()}: {Numbers.Format(Baseline!.Value)} → {Numbers.Format(Current!.Value)} " +
             $"({Numbers.Signed(Delta!.Value)}{(Z is null ? "" : ", " + ZText)}; allowed ±{Numbers.Format(Allowed)}; {Better})",
    };

    private string Better => Direction switch
    {
        MetricDirection.Higher => "higher is better",
        MetricDirection.Lower => "lower is better",
        _ => "informational",
    };
}
