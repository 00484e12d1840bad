// Norms — LayerNorm (GPT-2) and RMSNorm (Llama family; Gemma's (1 + w) form) with their hook points. The scale (the denominator,
// TransformerLens's hook_scale) is a separate tensor only when a hook asks for it, so it can be read, replaced or
// frozen; otherwise the fused kernel runs. hook_normalized is the output after the affine weights.
namespace InterpEval.Interp.Models;

/// <summary>A normalisation layer with its two hook points (scale and normalised output).</summary>
public interface INorm
{
    Tensor Forward(Tensor x, ForwardHooks hooks, string scaleHook, string normalizedHook);
}

/// <summary>LayerNorm weights: y = (x − mean) / sqrt(var + eps) · w + b.</summary>
public sealed record LayerNormWeights(Tensor Weight, Tensor Bias, double Eps) : INorm
{
    public Tensor Forward(Tensor x, ForwardHooks hooks, string scaleHook, string normalizedHook)
    {
        Tensor y;
        if (hooks.Has(scaleHook))
        {
            var centered = x - x.Mean(-1, keepDim: true);
            var scale = hooks.Apply(scaleHook, (centered.Pow(2).Mean(-1, keepDim: true) + Eps).Sqrt());   // [B, T, 1]
            y = centered / scale * Weight + Bias;
        }
        else y = x.LayerNorm([Weight.Size(0)], Weight, Bias, Eps);
        return hooks.Apply(normalizedHook, y);
    }
}

/// <summary>
/// RMSNorm weights: y = x / sqrt(mean(x²) + eps) · (w + offset) (Zhang &amp; Sennrich 2019; Hugging Face's LlamaRMSNorm,
/// and with offset 1 GemmaRMSNorm's (1 + w)).
/// </summary>
public sealed record RmsNormWeights(Tensor Weight, double Eps, double Offset = 0) : INorm
{
    private Tensor Gain => Offset == 0 ? Weight : Weight + Offset;

    public Tensor Forward(Tensor x, ForwardHooks hooks, string scaleHook, string normalizedHook)
    {
        Tensor y;
        if (hooks.Has(scaleHook))
        {
            var scale = hooks.Apply(scaleHook, (x.Pow(2).Mean(-1, keepDim: true) + Eps).Sqrt());           // [B, T, 1]
            y = x / scale * Gain;
        }
        else y = x * (x.Pow(2).Mean(-1, keepDim: true) + Eps).Rsqrt() * Gain;
        return hooks.Apply(normalizedHook, y);
    }

    /// <summary>Plain RMSNorm with no hooks (Qwen3's per-head q/k norms).</summary>
    public Tensor Forward(Tensor x) => x * (x.Pow(2).Mean(-1, keepDim: true) + Eps).Rsqrt() * Gain;
}
