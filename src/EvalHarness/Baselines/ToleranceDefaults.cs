// ToleranceDefaults — the tolerance a new baseline entry gets from its metric's kind: bounded scores and fractions
// (fvu, fve, cosine, ce_loss_recovered, F1, AUROC, dead_frac, …) get an absolute band; unbounded quantities (mse, kl,
// cross-entropies, l0, l1) a relative one. A user edits a baseline file to tighten or widen any single metric; updates
// keep those edits.
namespace InterpEval.Harness.Baselines;

public static class ToleranceDefaults
{
    /// <summary>Bounded scores in [0, 1] (or near it): ±0.01 absolute.</summary>
    public static readonly Tolerance Score = new(0.01, null);

    /// <summary>Unbounded losses and errors (mse, kl, ce_*): 2 % relative with a 1e-6 floor.</summary>
    public static readonly Tolerance Loss = new(1e-6, 0.02);

    /// <summary>Counts per token (l0, l1): 5 % relative with a 0.01 floor.</summary>
    public static readonly Tolerance Count = new(0.01, 0.05);

    /// <summary>Everything else: 1 % relative with a 1e-9 floor.</summary>
    public static readonly Tolerance Other = new(1e-9, 0.01);

    private static readonly string[] ScoreMarkers =
        ["fvu", "fve", "cosine", "recovered", "agreement", "frac", "f1", "auroc", "accuracy", "acc", "purity", "coverage", "mmcs", "score", "l2_ratio", "rel_bias"];

    private static readonly string[] LossMarkers = ["mse", "kl", "ce_", "loss", "nats"];

    private static readonly string[] CountMarkers = ["l0", "l1", "nodes", "edges"];

    /// <summary>The default tolerance for a metric name (the last path segment of its key decides).</summary>
    public static Tolerance For(string metricName)
    {
        string name = metricName.ToLowerInvariant();
        if (ScoreMarkers.Any(m => Contains(name, m))) return Score;
        if (LossMarkers.Any(m => Contains(name, m))) return Loss;
        if (CountMarkers.Any(m => Contains(name, m))) return Count;
        return Other;
    }

    /// <summary>True when marker appears in name as a whole token (separated by start/end, '_', '/', '-' or '.').</summary>
    private static bool Contains(string name, string marker)
    {
        if (marker.EndsWith('_')) return name.StartsWith(marker, StringComparison.Ordinal) || name.Contains("_" + marker, StringComparison.Ordinal);
        foreach (string part in name.Split('_', '/', '-', '.', '@'))
            if (part == marker) return true;
        return false;
    }
}
