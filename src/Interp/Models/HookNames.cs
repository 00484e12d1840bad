// HookNames — the hook points every subject model exposes, named as in TransformerLens so users recognise them.
// Shapes: residual-stream hooks [B, T, d_model]; hook_pattern [B, heads, T, T]; hook_scale [B, T, 1];
// mlp.hook_post [B, T, d_mlp]. ln2.hook_normalized is the MLP's actual input (after the norm's affine weights).
namespace InterpEval.Interp.Models;

public static class HookNames
{
    public const string Embed = "hook_embed";
    public const string LnFinalScale = "ln_final.hook_scale";
    public const string LnFinalNormalized = "ln_final.hook_normalized";

    public static string ResidPre(int layer) => $"blocks.{layer}.hook_resid_pre";
    public static string Ln1Scale(int layer) => $"blocks.{layer}.ln1.hook_scale";
    public static string Ln1Normalized(int layer) => $"blocks.{layer}.ln1.hook_normalized";
    public static string AttnPattern(int layer) => $"blocks.{layer}.attn.hook_pattern";
    public static string AttnOut(int layer) => $"blocks.{layer}.hook_attn_out";
    public static string ResidMid(int layer) => $"blocks.{layer}.hook_resid_mid";
    public static string Ln2Scale(int layer) => $"blocks.{layer}.ln2.hook_scale";
    public static string Ln2Normalized(int layer) => $"blocks.{layer}.ln2.hook_normalized";
    public static string MlpPost(int layer) => $"blocks.{layer}.mlp.hook_post";
    public static string MlpOut(int layer) => $"blocks.{layer}.hook_mlp_out";
    public static string ResidPost(int layer) => $"blocks.{layer}.hook_resid_post";

    /// <summary>Every hook point of a model with nLayers blocks, in forward order.</summary>
    public static IEnumerable<string> All(int nLayers)
    {
        yield return Embed;
        for (int l = 0; l < nLayers; l++)
        {
            yield return ResidPre(l);
            yield return Ln1Scale(l);
            yield return Ln1Normalized(l);
            yield return AttnPattern(l);
            yield return AttnOut(l);
            yield return ResidMid(l);
            yield return Ln2Scale(l);
            yield return Ln2Normalized(l);
            yield return MlpPost(l);
            yield return MlpOut(l);
            yield return ResidPost(l);
        }
        yield return LnFinalScale;
        yield return LnFinalNormalized;
    }

    /// <summary>The block a hook belongs to, nLayers for the final norm, -1 for the embedding.</summary>
    public static int LayerOf(string name, int nLayers)
    {
        if (name == Embed) return -1;
        if (name.StartsWith("ln_final.", StringComparison.Ordinal)) return nLayers;
        if (name.StartsWith("blocks.", StringComparison.Ordinal))
        {
            int dot = name.IndexOf('.', 7);
            if (dot > 7 && int.TryParse(name.AsSpan(7, dot - 7), out int l) && l >= 0 && l < nLayers) return l;
        }
        throw new ArgumentException($"unknown hook point '{name}' — see `interp-eval model info` for the model's hook points");
    }
}
