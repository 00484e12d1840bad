// DictionaryWeights — the tensors of a dictionary under SAELens's names and layouts (W_enc [d_in, d_sae], b_enc
// [d_sae] — b_gate for a gated SAE —, W_dec [d_sae, d_out], b_dec [d_out], W_skip [d_out, d_in], threshold [d_sae], and
// an architecture's own [d_sae] tensors such as gated's r_mag and b_mag). A plain carrier between files and
// dictionaries: it does no math and owns its tensors until a dictionary takes them.
namespace InterpEval.Interp.Dictionaries;

public sealed record DictionaryWeights(Tensor WEnc, Tensor BEnc, Tensor WDec, Tensor BDec, Tensor? WSkip = null, Tensor? Threshold = null) : IDisposable
{
    /// <summary>The file key of the encoder bias: b_enc, or b_gate for a gated SAE (SAELens's layout).</summary>
    public string BEncName { get; init; } = BEncKey;

    /// <summary>The architecture's own [d_sae] tensors by file key (gated: r_mag, b_mag); null when it has none.</summary>
    public IReadOnlyDictionary<string, Tensor>? Extra { get; init; }

    public const string WEncKey = "W_enc";
    public const string BEncKey = "b_enc";
    public const string WDecKey = "W_dec";
    public const string BDecKey = "b_dec";
    public const string WSkipKey = "W_skip";
    public const string ThresholdKey = "threshold";

    /// <summary>The keys a dictionary of this config stores, with their shapes (what a weights file must hold, exactly).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Expected(DictionaryConfig c, bool hasThreshold, string bEncName = BEncKey,
        IReadOnlyList<string>? extra = null)
    {
        var keys = new List<(string, long[])>
        {
            (WEncKey, [c.DIn, c.DSae]), (bEncName, [c.DSae]), (WDecKey, [c.DSae, c.DOut]), (BDecKey, [c.DOut]),
        };
        if (c.Kind == DictionaryKind.SkipTranscoder) keys.Add((WSkipKey, [c.DOut, c.DIn]));
        if (hasThreshold) keys.Add((ThresholdKey, [c.DSae]));
        foreach (var e in extra ?? []) keys.Add((e, [c.DSae]));
        return keys;
    }

    /// <summary>The tensors under their file keys (absent optional ones left out).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Named()
    {
        yield return new(WEncKey, WEnc);
        yield return new(BEncName, BEnc);
        yield return new(WDecKey, WDec);
        yield return new(BDecKey, BDec);
        if (WSkip is not null) yield return new(WSkipKey, WSkip);
        if (Threshold is not null) yield return new(ThresholdKey, Threshold);
        foreach (var kv in Extra ?? new Dictionary<string, Tensor>()) yield return kv;
    }

    /// <summary>Builds weights from tensors found by key (the loader's view of a file).</summary>
    public static DictionaryWeights FromNamed(IReadOnlyDictionary<string, Tensor> t, string bEncName = BEncKey, IReadOnlyList<string>? extra = null) =>
        new(t[WEncKey], t[bEncName], t[WDecKey], t[BDecKey], t.GetValueOrDefault(WSkipKey), t.GetValueOrDefault(ThresholdKey))
        {
            BEncName = bEncName,
            Extra = extra is null || extra.Count == 0 ? null : extra.ToDictionary(e => e, e => t[e], StringComparer.Ordinal),
        };

    public void Dispose()
    {
        foreach (var (_, t) in Named()) t.Dispose();
    }
}
