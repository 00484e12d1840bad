// DictionaryInit — fresh weights for training, seeded: decoder rows in random directions with a fixed norm, the
// encoder the decoder's transpose for an sae (Gao et al. 2024, App. A.1; Anthropic, April 2024 update), zero biases,
// a zero skip (SAELens). Data-dependent initialisation (b_dec at the geometric median) is SparseDictionary's.
namespace InterpEval.Interp.Dictionaries;

public static class DictionaryInit
{
    /// <summary>Weights for config: W_dec rows of norm decoderNorm in uniformly random directions; W_enc = W_decᵀ for an
    /// sae, independent random directions of the same norm for a transcoder (its input and output spaces differ).</summary>
    public static DictionaryWeights Random(DictionaryConfig c, ulong seed, double decoderNorm)
    {
        using var generator = new Generator(seed);
        var wDec = RandomRows(c.DSae, c.DOut, decoderNorm, generator);                          // [F, D_out]
        var wEnc = c.Kind.IsTranscoder()
            ? RandomRows(c.DSae, c.DIn, decoderNorm, generator).T.Contiguous()                   // [D_in, F]
            : wDec.T.Contiguous();                                                               // [D_in, F]
        return new DictionaryWeights(
            wEnc, Tensor.Zeros([c.DSae]), wDec, Tensor.Zeros([c.DOut]),
            c.Kind == DictionaryKind.SkipTranscoder ? Tensor.Zeros([c.DOut, c.DIn]) : null);
    }

    /// <summary>rows × cols with each row a uniformly random direction of the given norm.</summary>
    private static Tensor RandomRows(int rows, int cols, double norm, Generator generator)
    {
        var g = Tensor.Randn([rows, cols], generator);
        return g / g.Norm(2, 1, keepDim: true) * norm;
    }
}
