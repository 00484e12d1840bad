// BinaryMetrics — scores of one binary detector against labels, in float64: F1 of a hard prediction, and the exact
// AUROC of a continuous score computed from ranks with ties given their mid-rank (the Mann–Whitney U statistic, so a
// tie between a positive and a negative counts one half). A sparse form takes the non-zero scores only, all other
// tokens scoring 0. No thresholds are searched.
namespace InterpEval.Suites.Probes;

public static class BinaryMetrics
{
    /// <summary>F1 = 2·TP / (predicted positives + actual positives); 0 when both are 0.</summary>
    public static double F1(long truePositives, long predictedPositives, long actualPositives) =>
        predictedPositives + actualPositives == 0 ? 0 : 2.0 * truePositives / (predictedPositives + actualPositives);

    /// <summary>Exact AUROC of scores against labels: P(score of a positive &gt; score of a negative) + ½ P(tie).
    /// NaN when either class is empty.</summary>
    public static double Auroc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        if (scores.Count != labels.Count) throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels");
        var groups = scores.Select((s, i) => (Score: s, Positive: labels[i])).GroupBy(p => p.Score)
            .Select(g => (g.Key, Positives: (long)g.Count(p => p.Positive), Negatives: (long)g.Count(p => !p.Positive)));
        return FromGroups(groups);
    }

    /// <summary>AUROC when only the non-zero scores are listed: (score, positive) of each, and how many tokens scoring
    /// exactly 0 are positive and negative.</summary>
    public static double AurocSparse(IEnumerable<(double Score, bool Positive)> nonZero, long zeroPositives, long zeroNegatives)
    {
        var groups = nonZero.GroupBy(p => p.Score)
            .Select(g => (g.Key, Positives: (long)g.Count(p => p.Positive), Negatives: (long)g.Count(p => !p.Positive)))
            .Append((0.0, zeroPositives, zeroNegatives))
            .GroupBy(g => g.Item1).Select(g => (g.Key, g.Sum(x => x.Item2), g.Sum(x => x.Item3)));
        return FromGroups(groups);
    }

    // Groups of equal score, each (score, positives, negatives): U = Σ over groups in ascending score of
    // positives × (negatives below) + ½ positives × negatives in the same group; AUROC = U / (P · N).
    private static double FromGroups(IEnumerable<(double Score, long Positives, long Negatives)> groups)
    {
        double u = 0;
        long negativesBelow = 0, positives = 0;
        foreach (var (_, p, n) in groups.OrderBy(g => g.Score))
        {
            u += p * (double)negativesBelow + 0.5 * p * n;
            negativesBelow += n;
            positives += p;
        }
        return positives == 0 || negativesBelow == 0 ? double.NaN : u / (positives * (double)negativesBelow);
    }
}
