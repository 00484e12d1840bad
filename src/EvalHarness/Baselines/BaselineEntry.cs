// BaselineEntry — one stored metric of a baseline file: its key (suite/subject/name), value, direction, tolerance, unit,
// the calibration its tolerance was derived from (when calibrated), and the line of the file it was read from (so
// MSBuild lines and annotations point at it). It does no comparing.
using InterpEval.Suites;

namespace InterpEval.Harness.Baselines;

/// <param name="Key">suite/subject/name, as MetricRecord.Key.</param>
/// <param name="Value">The stored value.</param>
/// <param name="Direction">Which way is better.</param>
/// <param name="Tolerance">How far the value may move before the gate calls it a change.</param>
/// <param name="Unit">Display unit ("" when none).</param>
/// <param name="Line">1-based line of the key in the file it came from (1 when built in memory).</param>
/// <param name="Calibration">Seed spread and derivation of the band (null for an uncalibrated entry).</param>
public sealed record BaselineEntry(string Key, double Value, MetricDirection Direction, Tolerance Tolerance, string Unit = "", int Line = 1,
    Calibration? Calibration = null)
{
    /// <summary>True when the stored tolerance is not the band its calibration derives (a user edited it): it wins.</summary>
    public bool ToleranceHandEdited => Calibration is { } c
        ? Tolerance.Relative is not null || Tolerance.Absolute is not { } a || Math.Abs(a - c.Band) > 1e-9 * Math.Max(1, c.Band)
        : Tolerance != ToleranceDefaults.For(Key[(Key.IndexOf('/') + 1)..]);   // the defaults were chosen by the metric's name, which may hold '/'

    /// <summary>The suite part of the key.</summary>
    public string Suite => Key.Split('/')[0];

    /// <summary>The subject part of the key (between the first and the last separator; subjects may hold '/').</summary>
    public string Subject => Key[(Key.IndexOf('/') + 1)..Key.LastIndexOf('/')];

    /// <summary>The metric name part of the key.</summary>
    public string Name => Key[(Key.LastIndexOf('/') + 1)..];
}
