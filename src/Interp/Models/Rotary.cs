// Rotary — rotary position embeddings in Hugging Face's rotate-half convention (Su et al. 2021; the layout of
// transformers' LlamaRotaryEmbedding): frequencies θ^(−2i/d), cos/sin repeated over both halves of a head.
namespace InterpEval.Interp.Models;

public static class Rotary
{
    /// <summary>cos and sin for positions [B, T] → each [B, 1, T, headDim] (broadcast over heads).</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, int headDim, double theta, RopeScaling? scaling = null)
    {
        var inverse = new float[headDim / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            double f = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
            inverse[i] = (float)(scaling?.Scale(f) ?? f);
        }
        var invFreq = Tensor.From<float>(inverse, [inverse.Length], positions.Device);                 // θ^(−2i/d), [d/2]
        var freqs = positions.To(ScalarType.Float32).Unsqueeze(-1) * invFreq;                           // [B, T, d/2]
        var emb = Tensor.Cat([freqs, freqs], -1).Unsqueeze(1);                                          // [B, 1, T, d]
        return (emb.Cos(), emb.Sin());
    }

    /// <summary>x·cos + rotate_half(x)·sin for x [B, H, T, d].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.Size(-1) / 2;
        var rotated = Tensor.Cat([x.Narrow(-1, half, half).Neg(), x.Narrow(-1, 0, half)], -1);
        return x * cos + rotated * sin;
    }
}
