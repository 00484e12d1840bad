// BatchMean — a float64 accumulator for a per-token metric: the exact mean over every token (Σ value / Σ count) and
// the standard error of that mean estimated from the spread of the per-batch means (Welford's update, so a large
// common offset does not cancel). It weights batches equally for the stderr only; it knows nothing of tensors.
namespace InterpEval.Suites;

public sealed class BatchMean
{
    private double _sum;
    private long _count;
    private int _batches;
    private double _batchMeanAverage;
    private double _batchMeanM2;

    /// <summary>Tokens seen.</summary>
    public long Count => _count;

    /// <summary>Batches that contributed (batches with no token are skipped).</summary>
    public int Batches => _batches;

    /// <summary>Σ value / Σ count over every token; NaN before any token.</summary>
    public double Mean => _count == 0 ? double.NaN : _sum / _count;

    /// <summary>sd(batch means) / √batches (sample sd, n − 1); null with fewer than two batches.</summary>
    public double? Stderr => _batches < 2 ? null : Math.Sqrt(_batchMeanM2 / (_batches - 1) / _batches);

    /// <summary>Adds one batch: the sum of the metric over its tokens and how many tokens there were.</summary>
    public void Add(double sum, long count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"count must be ≥ 0, got {count}");
        if (count == 0) return;
        _sum += sum;
        _count += count;
        _batches++;
        double batchMean = sum / count;
        double delta = batchMean - _batchMeanAverage;
        _batchMeanAverage += delta / _batches;
        _batchMeanM2 += delta * (batchMean - _batchMeanAverage);
    }
}
