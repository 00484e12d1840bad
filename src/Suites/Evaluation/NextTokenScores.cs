// NextTokenScores — per-batch sums over the predictions that count (see EvalBatch): next-token cross-entropy, KL between
// two models' next-token distributions, and top-1 agreement. Log-softmax in float32 on the model's device, sums in
// float64. Means, ratios and stderr are the caller's (BatchMean).
namespace InterpEval.Suites;

public static class NextTokenScores
{
    /// <summary>log p(· | prefix) [P, V] at the counted predictions of a batch, from logits [S, T, V].</summary>
    public static Tensor LogProbs(Tensor logits, EvalBatch batch)
    {
        long s = batch.Sequences, t = batch.Length, v = logits.Size(-1);
        if (logits.Dim != 3 || logits.Size(0) != s || logits.Size(1) != t)
            throw new ArgumentException($"logits must be [{s}, {t}, V], got {logits.ShapeString}");
        var predicting = logits.Narrow(1, 0, t - 1).Reshape(-1, v);                          // [S·(T−1), V]
        return predicting.IndexSelect(0, batch.PredictedRows()).To(ScalarType.Float32).LogSoftmax(1);   // [P, V]
    }

    /// <summary>The next tokens [P] of the counted predictions.</summary>
    public static Tensor Targets(EvalBatch batch) => batch.Targets().IndexSelect(0, batch.PredictedRows());

    /// <summary>Σ −log p(target) over the rows of logProbs [P, V].</summary>
    public static double CrossEntropySum(Tensor logProbs, Tensor targets) =>
        -logProbs.Gather(1, targets.Unsqueeze(1)).To(ScalarType.Float64).Sum().ToDouble();

    /// <summary>Σ KL(p ‖ q) = Σ_rows Σ_v p (log p − log q) for log-probabilities [P, V].</summary>
    public static double KlSum(Tensor logP, Tensor logQ) =>
        (logP.Exp() * (logP - logQ)).To(ScalarType.Float64).Sum().ToDouble();

    /// <summary>Number of rows where the two distributions' most likely tokens agree.</summary>
    public static long Top1Agreements(Tensor logP, Tensor logQ) =>
        logP.ArgMax(1).Eq(logQ.ArgMax(1)).Sum().ToInt64();
}
