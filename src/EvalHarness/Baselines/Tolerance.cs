// Tolerance — how far a metric may move from its baseline before the gate calls it a change: an absolute band, a band
// relative to the baseline's magnitude, or both (the wider one wins). Defaults per metric kind live in ToleranceDefaults.
namespace InterpEval.Harness.Baselines;

/// <param name="Absolute">Allowed |current − baseline|, or null.</param>
/// <param name="Relative">Allowed |current − baseline| / |baseline|, or null.</param>
public sealed record Tolerance(double? Absolute, double? Relative)
{
    /// <summary>The allowed absolute deviation around a baseline value: the wider of the two bands.</summary>
    public double Allowed(double baseline) =>
        Math.Max(Absolute ?? 0, (Relative ?? 0) * Math.Abs(baseline));

    /// <summary>Throws when a band is negative or not finite (a baseline file's fault, reported by the caller).</summary>
    public Tolerance EnsureValid(string where)
    {
        if (Absolute is { } a && (!double.IsFinite(a) || a < 0)) throw new InvalidDataException($"{where}: tolerance abs is {a} — expected a finite number ≥ 0");
        if (Relative is { } r && (!double.IsFinite(r) || r < 0)) throw new InvalidDataException($"{where}: tolerance rel is {r} — expected a finite number ≥ 0");
        if (Absolute is null && Relative is null) throw new InvalidDataException($"{where}: tolerance has neither abs nor rel");
        return this;
    }
}
