// MetricConclusion — the gate's immutable conclusion about one metric: the verdict, the current record and the stored
// entry it was compared with, the band it was allowed, and one sentence saying why. Exporters read it; none recompute it.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Runs;
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

    /// <summary>Which way is better (the baseline's when stored, else the record's).</summary>
    public MetricDirection Direction => Baseline?.Direction ?? Current?.Direction ?? MetricDirection.None;

    /// <summary>One sentence: "reconstruction/topk/fvu regressed: 0.12 → 0.15 (+0.03; allowed ±0.01; lower is better)".</summary>
    public string Message => Verdict switch
    {
        Verdict.New => $"{Key} is new: {Numbers.Format(Current!.Value)} (no baseline)",
        Verdict.Missing => $"{Key} is missing: the baseline has {Numbers.Format(Baseline!.Value)} but the run produced no value",
        _ => $"{Key} {Verdict.Name()}: {Numbers.Format(Baseline!.Value)} → {Numbers.Format(Current!.Value)} " +
             $"({Numbers.Signed(Delta!.Value)}; allowed ±{Numbers.Format(Allowed)}; {Better})",
    };

    private string Better => Direction switch
    {
        MetricDirection.Higher => "higher is better",
        MetricDirection.Lower => "lower is better",
        _ => "informational",
    };
}
