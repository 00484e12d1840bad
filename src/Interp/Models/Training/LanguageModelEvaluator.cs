// LanguageModelEvaluator — held-out next-token loss of a subject model (nats per token), per group of sequences,
// next to a unigram baseline estimated on training tokens (add-one smoothed). Accumulates in float64.
namespace InterpEval.Interp.Models.Training;

public static class LanguageModelEvaluator
{
    /// <summary>Mean next-token cross-entropy over all predicted positions of the sequences (each ≥ 2 tokens).</summary>
    public static double MeanLoss(TransformerModel model, IEnumerable<long[]> sequences, int contextLength, int batchSize = 32)
    {
        double total = 0;
        long count = 0;
        using var noGrad = Autograd.NoGrad();
        // Windows of equal length are batched together; each window is one row.
        foreach (var group in sequences.SelectMany(s => Chunks(s, contextLength + 1)).GroupBy(w => w.Length))
            foreach (var rows in group.Chunk(batchSize))
            {
                using var scope = DisposeScope.Enter();
                int length = group.Key;
                var batch = Tensor.From<long>(rows.SelectMany(r => r).ToArray(), [rows.Length, length], model.Device);    // [B, L]
                var logits = model.Forward(batch.Narrow(1, 0, length - 1))!;                                            // [B, L-1, V]
                var targets = batch.Narrow(1, 1, length - 1).Reshape(-1);
                total += Tensor.CrossEntropy(logits.Reshape(-1, model.Config.VocabSize).To(ScalarType.Float64), targets, Reduction.Sum).ToDouble();
                count += (long)rows.Length * (length - 1);
            }
        return count == 0 ? double.NaN : total / count;
    }

    /// <summary>Cross-entropy of a unigram model fitted on train tokens (add-one smoothing) on the eval tokens.</summary>
    public static double UnigramLoss(IEnumerable<long> trainTokens, IEnumerable<long[]> evalSequences, int vocabSize)
    {
        var counts = new double[vocabSize];
        long n = 0;
        foreach (var t in trainTokens) { counts[t]++; n++; }
        double total = 0;
        long m = 0;
        foreach (var t in evalSequences.SelectMany(s => s.Skip(1)))
        {
            total -= Math.Log((counts[t] + 1) / (n + vocabSize));
            m++;
        }
        return m == 0 ? double.NaN : total / m;
    }

    // Splits a long sequence into windows that share one token, so every position is predicted exactly once.
    private static IEnumerable<long[]> Chunks(long[] seq, int window)
    {
        for (int start = 0; start + 1 < seq.Length; start += window - 1)
            yield return seq[start..Math.Min(seq.Length, start + window)];
    }
}
