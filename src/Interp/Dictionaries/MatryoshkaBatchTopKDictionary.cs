// MatryoshkaBatchTopKDictionary — Matryoshka BatchTopK (Bussmann, Nabeshima, Karvonen, Nanda 2025, "Learning
// multi-level features with Matryoshka sparse autoencoders", arXiv:2503.17547): a BatchTopK dictionary whose nested
// prefixes of latents [0, m₁) ⊂ [0, m₂) ⊂ … ⊂ [0, F) must each reconstruct on their own. The objective is the mean over
// prefixes of FVU_m = Σ‖y − (f[:, :m] W_dec[:m] + b_dec)‖² / Σ‖y − ȳ‖² (each prefix with the shared b_dec), plus AuxK on
// the full width; the batch top-k, the threshold estimate and the unit-norm decoder are batchtopk's. At inference it
// is batchtopk's JumpReLU, so it is saved as a jumprelu (`converted_from: "matryoshka-batchtopk"`, the prefix widths
// in `matryoshka_widths`): SAELens and every loader here read it as a jumprelu.
namespace InterpEval.Interp.Dictionaries;

public sealed class MatryoshkaBatchTopKDictionary : BatchTopKDictionary
{
    public MatryoshkaBatchTopKDictionary(DictionaryConfig config, DictionaryWeights weights, Device device)
        : base(config with { MatryoshkaWidths = config.MatryoshkaWidths ?? DefaultWidths(config.DSae) }, weights, device) { }

    /// <summary>A fresh dictionary (topk's initialisation); prefixes from the config or DefaultWidths.</summary>
    public static new MatryoshkaBatchTopKDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        new(config, DictionaryInit.Random(config, seed, decoderNorm: 1), device);

    /// <summary>F/8, F/4, F/2, F (those ≥ 1, distinct): each level doubles the one before, as in the paper's groups.</summary>
    public static IReadOnlyList<int> DefaultWidths(int width) =>
        new[] { width / 8, width / 4, width / 2, width }.Where(w => w >= 1).Distinct().ToArray();

    /// <summary>The nested prefix widths, ascending, the last = d_sae.</summary>
    public IReadOnlyList<int> Widths => Config.MatryoshkaWidths!;

    protected override (Tensor Loss, LossParts Parts) Objective(ForwardStep s)
    {
        var (_, parts) = base.Objective(s);                                                  // FVU(full) + AuxK
        var totalVariance = (s.Y - s.Y.Mean(0, keepDim: true)).Pow(2).Sum();
        Tensor prefixes = PrefixFvu(s.F, s.Y, Widths[^1], totalVariance);
        foreach (int m in Widths.Take(Widths.Count - 1)) prefixes = prefixes + PrefixFvu(s.F, s.Y, m, totalVariance);
        var matryoshka = prefixes / Widths.Count;
        return (matryoshka + parts.AuxK!, parts);
    }

    /// <summary>Σ‖y − (f[:, :m] W_dec[:m] + b_dec)‖² / Σ‖y − ȳ‖².</summary>
    private Tensor PrefixFvu(Tensor f, Tensor y, int m, Tensor totalVariance)
    {
        var yHat = Tensor.AddMm(BDec, f.Narrow(1, 0, m), WDec.Narrow(0, 0, m));              // [N, D_out]
        return (y - yHat).Pow(2).Sum() / totalVariance;
    }
}
