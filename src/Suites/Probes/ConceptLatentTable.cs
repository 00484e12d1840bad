// ConceptLatentTable — every latent against every concept on one labelled split, in float64: how often each latent is
// active (f > 0) and on which concepts (for F1), the mean activation on and off each concept (mean difference), the
// exact AUROC of the activation as a score (implicit zeros tied at 0, mid-ranks), and each latent's maximum.
// Separator positions are left out. It chooses nothing: suites pick the best latents from it.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;

namespace InterpEval.Suites.Probes;

public sealed class ConceptLatentTable
{
    private readonly long[] _active;            // [F]  tokens with f_j > 0
    private readonly long[,] _truePositives;    // [F, C] tokens with f_j > 0 and concept c
    private readonly double[,] _sumOn;          // [F, C] Σ f_j over tokens with concept c
    private readonly double[] _sum;             // [F]  Σ f_j over all tokens
    private readonly double[,] _auroc;          // [F, C]

    public ConceptLatentTable(SparseLatents latents, LabelledTokens tokens)
    {
        if (latents.Rows != tokens.Count) throw new ArgumentException($"{latents.Rows} latent rows but {tokens.Count} tokens");
        Concepts = tokens.Concepts;
        int f = latents.Latents, c = Concepts.Count;
        Tokens = tokens.IsSeparator.LongCount(s => !s);
        Positives = tokens.CountsPerConcept();
        _active = new long[f];
        _truePositives = new long[f, c];
        _sumOn = new double[f, c];
        _sum = new double[f];
        _auroc = new double[f, c];
        Max = new double[f];
        for (int j = 0; j < f; j++) AddLatent(j, latents, tokens);
    }

    public ConceptSet Concepts { get; }

    /// <summary>Evaluated tokens (separators excluded).</summary>
    public long Tokens { get; }

    /// <summary>Tokens carrying each concept [C].</summary>
    public long[] Positives { get; }

    /// <summary>Each latent's largest activation on the split [F] (0 for a latent never positive).</summary>
    public double[] Max { get; }

    public int Latents => _active.Length;

    public long Active(int j) => _active[j];

    public long TruePositives(int j, int c) => _truePositives[j, c];

    /// <summary>F1 of "latent j is active" as a detector of concept c.</summary>
    public double F1(int j, int c) => BinaryMetrics.F1(_truePositives[j, c], _active[j], Positives[c]);

    /// <summary>Exact AUROC of latent j's activation as a score for concept c (NaN when a class is empty).</summary>
    public double Auroc(int j, int c) => _auroc[j, c];

    /// <summary>Mean activation on concept-c tokens minus the mean on the rest (0 when a class is empty).</summary>
    public double MeanDifference(int j, int c)
    {
        long p = Positives[c], n = Tokens - p;
        return p == 0 || n == 0 ? 0 : _sumOn[j, c] / p - (_sum[j] - _sumOn[j, c]) / n;
    }

    /// <summary>The latent with the largest value of <paramref name="score"/> (lowest index on ties, NaN never wins).</summary>
    public int Best(Func<int, double> score)
    {
        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int j = 0; j < Latents; j++)
            if (score(j) > bestValue) { best = j; bestValue = score(j); }
        return best;
    }

    private void AddLatent(int j, SparseLatents latents, LabelledTokens tokens)
    {
        var (rows, values) = latents.Column(j);
        var entries = new List<(double Value, ulong Mask)>(rows.Count);
        for (int e = 0; e < rows.Count; e++)
        {
            int r = rows[e];
            if (tokens.IsSeparator[r]) continue;
            double v = values[e];
            ulong mask = tokens.Masks[r];
            entries.Add((v, mask));
            _sum[j] += v;
            if (v > 0) { _active[j]++; Max[j] = Math.Max(Max[j], v); }
            for (ulong m = mask; m != 0; m &= m - 1)
            {
                int c = System.Numerics.BitOperations.TrailingZeroCount(m);
                _sumOn[j, c] += v;
                if (v > 0) _truePositives[j, c]++;
            }
        }
        FillAuroc(j, entries);
    }

    // One ascending pass over tie groups, all concepts at once; the implicit zeros form one group at score 0.
    // U_c += positives_g · negatives_below + ½ positives_g · negatives_g; AUROC_c = U_c / (P_c · N_c).
    private void FillAuroc(int j, List<(double Value, ulong Mask)> entries)
    {
        int c = Concepts.Count;
        entries.Sort((a, b) => a.Value.CompareTo(b.Value));
        var u = new double[c];
        var negativesBelow = new double[c];
        var positivesNonZero = new long[c];
        foreach (var (_, mask) in entries)
            for (ulong m = mask; m != 0; m &= m - 1) positivesNonZero[System.Numerics.BitOperations.TrailingZeroCount(m)]++;
        var groupPositives = new long[c];
        bool zeroDone = false;
        void Group(long size, long[] positives)
        {
            for (int k = 0; k < c; k++)
            {
                double p = positives[k], n = size - positives[k];
                u[k] += p * negativesBelow[k] + 0.5 * p * n;
                negativesBelow[k] += n;
            }
        }
        void ZeroGroup()
        {
            long zeros = Tokens - entries.Count;
            var zeroPositives = new long[c];
            for (int k = 0; k < c; k++) zeroPositives[k] = Positives[k] - positivesNonZero[k];
            Group(zeros, zeroPositives);
            zeroDone = true;
        }
        for (int start = 0; start < entries.Count;)
        {
            double value = entries[start].Value;
            if (!zeroDone && value > 0) ZeroGroup();
            int end = start;
            Array.Clear(groupPositives);
            while (end < entries.Count && entries[end].Value == value)
            {
                for (ulong m = entries[end].Mask; m != 0; m &= m - 1) groupPositives[System.Numerics.BitOperations.TrailingZeroCount(m)]++;
                end++;
            }
            Group(end - start, groupPositives);
            start = end;
        }
        if (!zeroDone) ZeroGroup();
        for (int k = 0; k < c; k++)
        {
            long p = Positives[k], n = Tokens - p;
            _auroc[j, k] = p == 0 || n == 0 ? double.NaN : u[k] / (p * (double)n);
        }
    }
}
