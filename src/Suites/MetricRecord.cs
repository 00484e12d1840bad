// MetricRecord — one measured number as every suite returns it and every gate and exporter reads it (DESIGN §8):
// which suite, which subject (dictionary or model id), the metric's stable name, its value, unit, which direction is
// better, the standard error over batches where the suite computes one, and the step a quantised metric moves in. A plain value: no formatting, no judgement.
namespace InterpEval.Suites;

/// <summary>Which way a metric improves; gates use it to call a change a regression or an improvement.</summary>
public enum MetricDirection
{
    /// <summary>Larger is better (fve, ce_loss_recovered, mmcs).</summary>
    Higher,

    /// <summary>Smaller is better (mse, fvu, kl, dead_frac).</summary>
    Lower,

    /// <summary>Informational: no side is better (l0 of a topk dictionary, ce_clean).</summary>
    None,
}

/// <param name="Suite">The suite that measured it (reconstruction, sparsity, fidelity, …).</param>
/// <param name="Subject">The dictionary or model id it describes (stable across runs: the gate's key).</param>
/// <param name="Name">The metric's stable name (fvu, ce_loss_recovered, probe_f1/dna, …).</param>
/// <param name="Value">The value (accumulated in float64).</param>
/// <param name="Unit">Unit for display ("", "nats/token", "latents/token", "fraction").</param>
/// <param name="Direction">Which way is better.</param>
/// <param name="Stderr">Standard error over batches, where the suite computes one.</param>
/// <param name="Resolution">The smallest step the value can move in, for a quantised metric (1/W for a fraction of W
/// latents, 1/T for a fraction of T tokens); null when continuous. Gates floor their tolerance on it.</param>
public sealed record MetricRecord(
    string Suite,
    string Subject,
    string Name,
    double Value,
    string Unit,
    MetricDirection Direction,
    double? Stderr = null,
    double? Resolution = null)
{
    /// <summary>The key a baseline stores this metric under: suite/subject/name.</summary>
    public string Key => $"{Suite}/{Subject}/{Name}";
}

public static class MetricDirections
{
    /// <summary>The lower-case name used in files (higher, lower, none).</summary>
    public static string Name(this MetricDirection d) => d switch
    {
        MetricDirection.Higher => "higher",
        MetricDirection.Lower => "lower",
        _ => "none",
    };

    public static bool TryParse(string s, out MetricDirection d)
    {
        switch (s)
        {
            case "higher": d = MetricDirection.Higher; return true;
            case "lower": d = MetricDirection.Lower; return true;
            case "none": d = MetricDirection.None; return true;
            default: d = MetricDirection.None; return false;
        }
    }
}
