// LanguageModelEvaluator — held-out next-token loss of a subject model (nats per token), per group of sequences,
// next to a unigram baseline estimated on training tokens (add-one smoothed). Accumulates in float64.
namespace InterpEval.Interp.Models.Training;

public static class LanguageModelEvaluator
{
    /// <summary>Mean next-token cross-entropy over all predicted positions of the sequences (each ≥ 2 tokens).</summary>
    public static double MeanLoss(TransformerModel model, IEnumerable<long[]> sequences, int contextLength)
    {
        double total = 0;
        long count = 0;
        using var noGrad = Autograd.NoGrad();
        foreach (var seq in sequences.SelectMany(s => Chunks(s, contextLength + 1)))
        {
            using var scope = DisposeScope.Enter();
            var batch = Tensor.From<long>(seq, [1, seq.Length], model.Device);
            var logits = model.Forward(batch.Narrow(1, 0, seq.Length - 1))!.Select(0, 0);             // [T, V]
            total += Tensor.CrossEntropy(logits.To(ScalarType.Float64), batch.Select(0, 0).Narrow(0, 1, seq.Length - 1), Reduction.Sum).ToDouble();
            count += seq.Length - 1;
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
