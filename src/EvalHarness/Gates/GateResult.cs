// GateResult — the gate's conclusions for a whole run against one baseline file, and whether the run passes. Immutable;
// it prints nothing (exporters do) and knows nothing about exit codes (the runner maps Passed to 0 or 1).
namespace InterpEval.Harness.Gates;

/// <param name="BaselinePath">The baseline file compared against (as given; MSBuild lines and annotations name it).</param>
/// <param name="Conclusions">One per metric key in the run or the baseline, ordered by key.</param>
/// <param name="FailOnMissing">Whether a missing metric fails the gate.</param>
public sealed record GateResult(string BaselinePath, IReadOnlyList<MetricConclusion> Conclusions, bool FailOnMissing = true)
{
    /// <summary>No regression, and no missing metric when those fail.</summary>
    public bool Passed => !Failures.Any();

    /// <summary>The conclusions that fail the gate, in key order.</summary>
    public IEnumerable<MetricConclusion> Failures =>
        Conclusions.Where(c => c.Verdict == Verdict.Regressed || (FailOnMissing && c.Verdict == Verdict.Missing));

    public int Count(Verdict verdict) => Conclusions.Count(c => c.Verdict == verdict);

    /// <summary>The conclusion for a key, or null.</summary>
    public MetricConclusion? For(string key) => Conclusions.FirstOrDefault(c => c.Key == key);

    /// <summary>"2 regressed, 10 same, 1 improved, 0 new, 0 missing".</summary>
    public string Summary =>
        string.Join(", ", new[] { Verdict.Regressed, Verdict.Same, Verdict.Improved, Verdict.New, Verdict.Missing }
            .Select(v => $"{Count(v)} {v.Name()}"));
}
