// FeatureRecovery — how well a dictionary's decoder recovers known true features (DESIGN §8): MMCS = mean over true
// features of the largest cosine to any decoder row, and the fraction of true features whose best cosine exceeds a
// threshold (0.9). Accumulated in float64. It compares directions only (magnitudes and latent activations are ignored).
namespace InterpEval.Interp.Dictionaries.GroundTruth;

/// <param name="Mmcs">Mean over true features of max_j cos(true_i, decoder_j).</param>
/// <param name="FractionRecovered">Fraction of true features with max cosine above Threshold.</param>
/// <param name="Threshold">The cosine that counts as recovered.</param>
/// <param name="MaxCosines">Each true feature's best cosine [G].</param>
public sealed record RecoveryResult(double Mmcs, double FractionRecovered, double Threshold, double[] MaxCosines);

public static class FeatureRecovery
{
    /// <summary>Scores decoder rows [F, d] against true features [G, d].</summary>
    public static RecoveryResult Measure(Tensor trueFeatures, Tensor decoderRows, double threshold = 0.9)
    {
        if (trueFeatures.Dim != 2 || decoderRows.Dim != 2 || trueFeatures.Size(1) != decoderRows.Size(1))
            throw new ArgumentException($"expected true features [G, d] and decoder rows [F, d], got {trueFeatures.ShapeString} and {decoderRows.ShapeString}");
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var t = UnitRows(trueFeatures);                                                      // [G, d] float64
        var w = UnitRows(decoderRows);                                                       // [F, d] float64
        double[] best = t.Mm(w.T).Max(1).Values.ToArray<double>();                            // [G]
        return new RecoveryResult(best.Average(), best.Count(c => c > threshold) / (double)best.Length, threshold, best);
    }

    /// <summary>Scores a dictionary's decoder.</summary>
    public static RecoveryResult Measure(Tensor trueFeatures, SparseDictionary dictionary, double threshold = 0.9) =>
        Measure(trueFeatures, dictionary.WDec, threshold);

    private static Tensor UnitRows(Tensor m)
    {
        var x = m.Detach().To(ScalarType.Float64);
        return x / x.Norm(2, 1, keepDim: true).Clamp(min: 1e-300);
    }
}
