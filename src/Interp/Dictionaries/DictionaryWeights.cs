// DictionaryWeights — the tensors of a dictionary under SAELens's names and layouts (W_enc [d_in, d_sae], b_enc
// [d_sae], W_dec [d_sae, d_out], b_dec [d_out], W_skip [d_out, d_in], threshold [d_sae]). A plain carrier between
// files and dictionaries: it does no math and owns its tensors until a dictionary takes them.
namespace InterpEval.Interp.Dictionaries;

public sealed record DictionaryWeights(Tensor WEnc, Tensor BEnc, Tensor WDec, Tensor BDec, Tensor? WSkip = null, Tensor? Threshold = null) : IDisposable
{
    public const string WEncKey = "W_enc";
    public const string BEncKey = "b_enc";
    public const string WDecKey = "W_dec";
    public const string BDecKey = "b_dec";
    public const string WSkipKey = "W_skip";
    public const string ThresholdKey = "threshold";

    /// <summary>The keys a dictionary of this config stores, with their shapes (what a weights file must hold, exactly).</summary>
    public static IReadOnlyList<(string Key, long[] Shape)> Expected(DictionaryConfig c, bool hasThreshold)
    {
        var keys = new List<(string, long[])>
        {
            (WEncKey, [c.DIn, c.DSae]), (BEncKey, [c.DSae]), (WDecKey, [c.DSae, c.DOut]), (BDecKey, [c.DOut]),
        };
        if (c.Kind == DictionaryKind.SkipTranscoder) keys.Add((WSkipKey, [c.DOut, c.DIn]));
        if (hasThreshold) keys.Add((ThresholdKey, [c.DSae]));
        return keys;
    }

    /// <summary>The tensors under their file keys (absent optional ones left out).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Named()
    {
        yield return new(WEncKey, WEnc);
        yield return new(BEncKey, BEnc);
        yield return new(WDecKey, WDec);
        yield return new(BDecKey, BDec);
        if (WSkip is not null) yield return new(WSkipKey, WSkip);
        if (Threshold is not null) yield return new(ThresholdKey, Threshold);
    }

    /// <summary>Builds weights from tensors found by key (the loader's view of a file).</summary>
    public static DictionaryWeights FromNamed(IReadOnlyDictionary<string, Tensor> t) =>
        new(t[WEncKey], t[BEncKey], t[WDecKey], t[BDecKey], t.GetValueOrDefault(WSkipKey), t.GetValueOrDefault(ThresholdKey));

    public void Dispose()
    {
        foreach (var (_, t) in Named()) t.Dispose();
    }
}
