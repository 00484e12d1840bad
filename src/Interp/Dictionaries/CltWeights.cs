// CltWeights — the tensors of a cross-layer transcoder, per layer, in the orientation the math uses (W_enc_l [d_model, F],
// as SAELens stores a single-layer encoder; circuit-tracer's files hold its transpose, which CltFormat converts), and
// their names in circuit-tracer's files and in checkpoints. A plain carrier: no math; it owns its tensors until a CLT
// takes them.
namespace InterpEval.Interp.Dictionaries;

/// <param name="WEnc">Per layer l: encoder [d_model, F].</param>
/// <param name="BEnc">Per layer l: encoder bias [F].</param>
/// <param name="WDec">Per source layer l: decoders [F, L − l, d_model]; [:, j, :] writes output layer l + j.</param>
/// <param name="BDec">Per output layer l: decoder bias [d_model].</param>
/// <param name="Thresholds">Per layer l: JumpReLU threshold θ_l [F] (jumprelu only).</param>
public sealed record CltWeights(
    IReadOnlyList<Tensor> WEnc, IReadOnlyList<Tensor> BEnc, IReadOnlyList<Tensor> WDec, IReadOnlyList<Tensor> BDec,
    IReadOnlyList<Tensor>? Thresholds = null) : IDisposable
{
    public static string WEncKey(int l) => $"W_enc_{l}";
    public static string BEncKey(int l) => $"b_enc_{l}";
    public static string WDecKey(int l) => $"W_dec_{l}";
    public static string BDecKey(int l) => $"b_dec_{l}";
    public static string ThresholdKey(int l) => $"threshold_{l}";

    /// <summary>Every tensor's shape for a config, by key, in the in-memory orientation (W_enc_l [d_model, F]).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Expected(CltConfig c)
    {
        var keys = new List<(string, long[])>();
        for (int l = 0; l < c.NLayers; l++)
        {
            keys.Add((WEncKey(l), [c.DModel, c.DSae]));
            keys.Add((BEncKey(l), [c.DSae]));
            keys.Add((WDecKey(l), [c.DSae, c.NLayers - l, c.DModel]));
            keys.Add((BDecKey(l), [c.DModel]));
            if (c.Activation == CltActivation.JumpRelu) keys.Add((ThresholdKey(l), [c.DSae]));
        }
        return keys;
    }

    /// <summary>The tensors under their keys (in-memory orientation).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Named()
    {
        for (int l = 0; l < WEnc.Count; l++)
        {
            yield return new(WEncKey(l), WEnc[l]);
            yield return new(BEncKey(l), BEnc[l]);
            yield return new(WDecKey(l), WDec[l]);
            yield return new(BDecKey(l), BDec[l]);
            if (Thresholds is not null) yield return new(ThresholdKey(l), Thresholds[l]);
        }
    }

    /// <summary>Weights from tensors found by key (the loader's and the checkpoint's view).</summary>
    public static CltWeights FromNamed(CltConfig c, IReadOnlyDictionary<string, Tensor> t)
    {
        var layers = Enumerable.Range(0, c.NLayers).ToArray();
        return new CltWeights(
            layers.Select(l => t[WEncKey(l)]).ToArray(), layers.Select(l => t[BEncKey(l)]).ToArray(),
            layers.Select(l => t[WDecKey(l)]).ToArray(), layers.Select(l => t[BDecKey(l)]).ToArray(),
            c.Activation == CltActivation.JumpRelu ? layers.Select(l => t[ThresholdKey(l)]).ToArray() : null);
    }

    public void Dispose()
    {
        foreach (var (_, t) in Named()) t.Dispose();
    }
}
