// Gate — compares a run's metric records with a stored baseline and concludes, per metric, regressed / same / improved /
// new / missing (DESIGN §10). Pure: records and a baseline in, immutable conclusions out. A NaN where the baseline is a
// number is a regression; a metric with no better side is never regressed or improved.
using InterpEval.Harness.Baselines;
using InterpEval.Suites;

namespace InterpEval.Harness.Gates;

public static class Gate
{
    /// <summary>Judges records against a baseline.</summary>
    /// <param name="ranSuites">The suites that ran: stored metrics of other suites are out of scope, not missing (null: all).</param>
    public static GateResult Evaluate(IReadOnlyList<MetricRecord> records, Baseline baseline,
        IReadOnlySet<string>? ranSuites = null, bool failOnMissing = true)
    {
        var current = new Dictionary<string, MetricRecord>(StringComparer.Ordinal);
        foreach (MetricRecord record in records) current[record.Key] = record;
        var conclusions = new List<MetricConclusion>();
        foreach (MetricRecord record in current.Values)
            conclusions.Add(baseline.Entries.TryGetValue(record.Key, out BaselineEntry? entry)
                ? Compare(record, entry)
                : new MetricConclusion(record.Key, Verdict.New, record, null, 0));
        foreach (BaselineEntry entry in baseline.Entries.Values)
            if (!current.ContainsKey(entry.Key) && (ranSuites is null || ranSuites.Contains(entry.Suite)))
                conclusions.Add(new MetricConclusion(entry.Key, Verdict.Missing, null, entry, 0));
        conclusions.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new GateResult(baseline.Path, conclusions, failOnMissing);
    }

    /// <summary>One metric against its stored entry: the stored direction and tolerance decide.</summary>
    public static MetricConclusion Compare(MetricRecord record, BaselineEntry entry)
    {
        double allowed = entry.Tolerance.Allowed(entry.Value);
        return new MetricConclusion(record.Key, Judge(record.Value, entry.Value, allowed, entry.Direction), record, entry, allowed);
    }

    private static Verdict Judge(double value, double stored, double allowed, MetricDirection direction)
    {
        if (double.IsNaN(value) || double.IsNaN(stored))
            return double.IsNaN(value) && double.IsNaN(stored) ? Verdict.Same
                : double.IsNaN(value) && direction != MetricDirection.None ? Verdict.Regressed : Verdict.Same;
        double delta = value - stored;
        if (Math.Abs(delta) <= allowed || direction == MetricDirection.None) return Verdict.Same;
        bool better = direction == MetricDirection.Higher ? delta > 0 : delta < 0;
        return better ? Verdict.Improved : Verdict.Regressed;
    }
}
