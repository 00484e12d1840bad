// BaselineUpdate — builds the baseline a complete run should leave behind (--update-baselines): from one run, every
// record's value and direction with the previous file's tolerance and calibration kept (or the kind's default for a
// metric seen first); from N calibration runs (--calibrate N), every metric's mean with a band derived by
// ToleranceModel — unless the previous file holds a hand-edited tolerance for it, which wins. Writing it (atomically,
// and only after a successful run) is the runner's call.
using InterpEval.Harness.Baselines;
using InterpEval.Harness.Results;
using InterpEval.Suites;

namespace InterpEval.Harness.Runs;

public static class BaselineUpdate
{
    /// <summary>The new baseline for path; previous (may be null) lends its tolerances and entries of suites that did not run.</summary>
    public static Baseline From(string path, RunInfo info, IReadOnlyList<MetricRecord> records, Baseline? previous, IReadOnlySet<string>? ranSuites = null)
    {
        Dictionary<string, BaselineEntry> entries = Kept(previous, ranSuites);
        foreach (MetricRecord r in records)
        {
            BaselineEntry? old = previous?.Entries.GetValueOrDefault(r.Key);
            entries[r.Key] = new BaselineEntry(r.Key, r.Value, r.Direction, old?.Tolerance ?? ToleranceDefaults.For(r.Name), r.Unit, 1, old?.Calibration);
        }
        return new Baseline(path, info.Profile, info.ToolVersion, info.GitCommit, info.StartedUtc, entries);
    }

    /// <summary>The calibrated baseline from N runs of the same profile under different seeds (N ≥ 2): per metric the mean,
    /// its spread, and the band k·σ for a family-wise false-alarm rate of ToleranceModel.FamilyAlpha over the gated
    /// metrics. A metric some run did not produce is an error (the runs must measure the same things).</summary>
    public static Baseline FromCalibration(string path, RunInfo info, IReadOnlyList<IReadOnlyList<MetricRecord>> runs, Baseline? previous,
        IReadOnlySet<string>? ranSuites = null)
    {
        if (runs.Count < 2) throw new ArgumentException($"calibration needs at least 2 runs, got {runs.Count}", nameof(runs));
        var byKey = runs[0].ToDictionary(r => r.Key, r => new List<MetricRecord> { r }, StringComparer.Ordinal);
        foreach (IReadOnlyList<MetricRecord> run in runs.Skip(1))
        {
            var keys = new HashSet<string>(run.Select(r => r.Key), StringComparer.Ordinal);
            if (!keys.SetEquals(byKey.Keys))
                throw new InvalidOperationException("calibration runs measured different metrics: " +
                    string.Join(", ", keys.Except(byKey.Keys).Concat(byKey.Keys.Except(keys)).Take(3)));
            foreach (MetricRecord r in run) byKey[r.Key].Add(r);
        }
        int familySize = byKey.Values.Count(list => list[0].Direction != MetricDirection.None);
        Dictionary<string, BaselineEntry> entries = Kept(previous, ranSuites);
        foreach ((string key, List<MetricRecord> list) in byKey)
        {
            MetricRecord first = list[0];
            Calibration c = ToleranceModel.Calibrate([.. list.Select(r => r.Value)], list.Max(r => r.Stderr ?? 0), list.Max(r => r.Resolution ?? 0), familySize);
            BaselineEntry? old = previous?.Entries.GetValueOrDefault(key);
            Tolerance tolerance = old is { ToleranceHandEdited: true } ? old.Tolerance : new Tolerance(c.Band, null);
            entries[key] = new BaselineEntry(key, ToleranceModel.Mean([.. list.Select(r => r.Value)]), first.Direction, tolerance, first.Unit, 1, c);
        }
        return new Baseline(path, info.Profile, info.ToolVersion, info.GitCommit, info.StartedUtc, entries);
    }

    private static Dictionary<string, BaselineEntry> Kept(Baseline? previous, IReadOnlySet<string>? ranSuites)
    {
        var entries = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        if (previous is not null && ranSuites is not null)
            foreach (BaselineEntry kept in previous.Entries.Values.Where(e => !ranSuites.Contains(e.Suite)))
                entries[kept.Key] = kept;
        return entries;
    }
}
