// Attention — causal multi-head self-attention with grouped-query heads, optional rotary embeddings and per-head
// q/k norms, Gemma's score scale and soft-capping, exposing the attention pattern as a hook (so it can be read or frozen). Legend: B batch, T tokens,
// H query heads, K key/value heads, d head dim.
namespace InterpEval.Interp.Models;

/// <summary>Qkv is one fused projection [D, (H + 2K)·d] holding queries, keys and values in that order.
/// Scale multiplies q·kᵀ (default head_dim^−½); SoftCap, when set, maps scores s to cap·tanh(s / cap) before masking.</summary>
public sealed record AttentionWeights(Linear Qkv, Linear O, int Heads, int KvHeads, int HeadDim,
    RmsNormWeights? QNorm = null, RmsNormWeights? KNorm = null, double? Scale = null, double? SoftCap = null)
{
    public IEnumerable<Tensor> Parameters =>
        new[] { Qkv.WeightInOut, Qkv.Bias, O.WeightInOut, O.Bias, QNorm?.Weight, KNorm?.Weight }.OfType<Tensor>();

    /// <summary>x [B, T, D] → attention output [B, T, D]. blocked [B or 1, 1, T, T] is true where a query may not look.</summary>
    public Tensor Forward(Tensor x, Tensor blocked, (Tensor Cos, Tensor Sin)? rotary, ForwardHooks hooks, int layer)
    {
        long b = x.Size(0), t = x.Size(1);
        long qWidth = (long)Heads * HeadDim, kvWidth = (long)KvHeads * HeadDim;
        var qkv = Qkv.Forward(x);                                                          // [B, T, (H+2K)·d]
        var q = Heads_(qkv.Narrow(-1, 0, qWidth), b, t, Heads, QNorm);                     // [B, H, T, d]
        var k = Heads_(qkv.Narrow(-1, qWidth, kvWidth), b, t, KvHeads, KNorm);             // [B, K, T, d]
        var v = Heads_(qkv.Narrow(-1, qWidth + kvWidth, kvWidth), b, t, KvHeads, null);    // [B, K, T, d]
        if (rotary is { } r)
        {
            q = Rotary.Apply(q, r.Cos, r.Sin);
            k = Rotary.Apply(k, r.Cos, r.Sin);
        }
        k = RepeatKv(k, b, t);
        v = RepeatKv(v, b, t);
        var scores = q.MatMul(k.Transpose(-2, -1)).Mul(Scale ?? 1.0 / Math.Sqrt(HeadDim));  // [B, H, T, T]
        if (SoftCap is double cap) scores = scores.Mul(1.0 / cap).Tanh().Mul(cap);
        var pattern = hooks.Apply(HookNames.AttnPattern(layer), scores.MaskedFill(blocked, float.MinValue).Softmax(-1));
        var z = pattern.MatMul(v).Transpose(1, 2).Reshape(b, t, (long)Heads * HeadDim);    // [B, T, H·d]
        return O.Forward(z);
    }

    private Tensor Heads_(Tensor projected, long b, long t, int heads, RmsNormWeights? norm)
    {
        var h = projected.View(b, t, heads, HeadDim);                                      // [B, T, heads, d]
        if (norm is not null) h = norm.Forward(h);
        return h.Transpose(1, 2);                                                          // [B, heads, T, d]
    }

    // Grouped-query attention: each key/value head serves Heads / KvHeads query heads.
    private Tensor RepeatKv(Tensor kv, long b, long t)
    {
        int rep = Heads / KvHeads;
        if (rep == 1) return kv;
        return kv.Unsqueeze(2).Expand(b, KvHeads, rep, t, HeadDim).Reshape(b, (long)Heads, t, HeadDim);
    }

    /// <summary>The mask of disallowed (query, key) pairs: future keys, keys beyond a sliding window, padding keys.</summary>
    public static Tensor BlockedMask(long t, Tensor? attentionMask, int? slidingWindow, Device device)
    {
        var ones = Tensor.Ones([t, t], ScalarType.Bool, device);
        var blocked = ones.Triu(1);                                                        // key after query
        if (slidingWindow is int w) blocked = blocked.LogicalOr(ones.Tril(-w));             // key ≥ w tokens back
        blocked = blocked.View(1, 1, t, t);
        if (attentionMask is null) return blocked;
        var padKey = attentionMask.Eq(0).View(attentionMask.Size(0), 1, 1, t);             // [B, 1, 1, T]
        return blocked.LogicalOr(padKey);
    }
}
