// BaselineUpdate — builds the baseline a complete run should leave behind (--update-baselines): every record's value
// and direction, the tolerance a user set in the previous file kept, the kind's default for metrics seen first.
// Writing it (atomically, and only after a successful run) is the runner's call.
using InterpEval.Harness.Gates;
using InterpEval.Harness.Runs;
using InterpEval.Suites;

namespace InterpEval.Harness.Baselines;

public static class BaselineUpdate
{
    /// <summary>The new baseline for path; previous (may be null) lends its tolerances and entries of suites that did not run.</summary>
    public static Baseline From(string path, RunInfo info, IReadOnlyList<MetricRecord> records, Baseline? previous, IReadOnlySet<string>? ranSuites = null)
    {
        var entries = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        if (previous is not null && ranSuites is not null)
            foreach (BaselineEntry kept in previous.Entries.Values.Where(e => !ranSuites.Contains(e.Suite)))
                entries[kept.Key] = kept;
        foreach (MetricRecord r in records)
        {
            Tolerance tolerance = previous?.Entries.GetValueOrDefault(r.Key)?.Tolerance ?? ToleranceDefaults.For(r.Name);
            entries[r.Key] = new BaselineEntry(r.Key, r.Value, r.Direction, tolerance, r.Unit);
        }
        return new Baseline(path, info.Profile, info.ToolVersion, info.GitCommit, info.StartedUtc, entries);
    }
}
