// Interventions — set or ablate latents of the local replacement model and read the logits (circuit-tracer's
// feature_intervention). Three modes: the edit propagates through later latents with attention patterns frozen at the
// clean run's (the default) or recomputed (FreeAttention), norms live and errors fixed at their clean values; or Direct,
// where every MLP output is held at its clean value except for the edited latents' own decoded change and every
// pattern and normalisation scale is frozen, so the change in each target is exactly the direct effect that the graph's
// edges describe. Which latents to edit, and how results are shown, is the caller's.
//
// Shapes: T tokens, D d_model, V vocabulary.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Circuits;

public enum InterventionMode
{
    /// <summary>Later latents recomputed; attention patterns frozen at the clean run's; norms live.</summary>
    FrozenAttention,

    /// <summary>Later latents recomputed; attention patterns recomputed too.</summary>
    FreeAttention,

    /// <summary>Only the edited latents change: every other MLP output, pattern and scale is the clean run's.</summary>
    Direct,
}

/// <summary>Set latent (Layer, Position, Latent) to Value (0 ablates it).</summary>
public sealed record LatentEdit(int Layer, int Position, long Latent, double Value);

public static class Interventions
{
    /// <summary>Logits [T, V] after the edits.</summary>
    public static Tensor Logits(LocalReplacementModel lrm, IReadOnlyList<LatentEdit> edits, InterventionMode mode)
    {
        Check(lrm, edits);
        return mode == InterventionMode.Direct
            ? DirectPass(lrm, edits).Logits.Select(0, 0)
            : Propagate(lrm, edits, freezeAttention: mode == InterventionMode.FrozenAttention);
    }

    /// <summary>The frozen forward with each edited latent's decoded change added to the MLP outputs it writes.</summary>
    public static FrozenPass DirectPass(LocalReplacementModel lrm, IReadOnlyList<LatentEdit> edits)
    {
        Check(lrm, edits);
        using var noGrad = Autograd.NoGrad();
        var (embed, mlp) = lrm.CleanSources(1);
        foreach (var e in edits)
        {
            double current = lrm.Latents[e.Layer].Select(0, e.Position).Select(0, e.Latent).ToDouble();
            var dec = lrm.Coder.DecoderRows(e.Layer, Tensor.From(new[] { e.Latent }, 1)).Select(0, 0);          // [L, D]
            for (int l = e.Layer; l < lrm.NLayers; l++)
                mlp[l].Select(0, 0).Select(0, e.Position).Add_(dec.Select(0, l) * (e.Value - current));
        }
        return lrm.Forward(embed, mlp);
    }

    // The replacement model run for real: at each layer the latents are encoded from this run's input, the edited ones
    // overwritten, and the MLP output rebuilt as decode + skip + the clean run's error.
    private static Tensor Propagate(LocalReplacementModel lrm, IReadOnlyList<LatentEdit> edits, bool freezeAttention)
    {
        using var noGrad = Autograd.NoGrad();
        int layers = lrm.NLayers;
        var coder = lrm.Coder;
        var latents = new Tensor[layers];
        var hooks = new ForwardHooks();
        if (freezeAttention) lrm.FreezePatterns(hooks, 1);
        for (int l = 0; l < layers; l++)
        {
            int layer = l;
            hooks.Capture(HookNames.Ln2Normalized(l));
            hooks.Replace(coder.InputHook(l), x =>
            {
                var f = coder.Encode(layer, x.Select(0, 0));                                                   // [T, F]
                foreach (var e in edits.Where(e => e.Layer == layer)) f.Select(0, e.Position).Select(0, e.Latent).Fill_(e.Value);
                latents[layer] = f.DetachFromScopes();                                                        // outlives the block's scope
                return x;
            });
            hooks.Replace(HookNames.MlpOut(l), _ =>
            {
                var y = coder.Decode(layer, latents) + lrm.Errors[layer];
                var skip = coder.Skip(layer, hooks.Captured[HookNames.Ln2Normalized(layer)].Select(0, 0));
                return (skip is null ? y : y + skip).Unsqueeze(0);
            });
        }
        var tokens = Tensor.From<long>(lrm.Tokens, [1, lrm.NTokens], lrm.Model.Device);
        try
        {
            return lrm.Model.Forward(tokens, hooks)!.Select(0, 0);
        }
        finally
        {
            foreach (var f in latents) f?.Dispose();
        }
    }

    private static void Check(LocalReplacementModel lrm, IReadOnlyList<LatentEdit> edits)
    {
        foreach (var e in edits)
        {
            if (e.Layer < 0 || e.Layer >= lrm.NLayers) throw new ArgumentException($"layer {e.Layer} is outside 0 … {lrm.NLayers - 1}");
            if (e.Position < 0 || e.Position >= lrm.NTokens) throw new ArgumentException($"position {e.Position} is outside the prompt's 0 … {lrm.NTokens - 1}");
            if (e.Latent < 0 || e.Latent >= lrm.Coder.DSae) throw new ArgumentException($"latent {e.Latent} is outside 0 … {lrm.Coder.DSae - 1}");
            if (!double.IsFinite(e.Value)) throw new ArgumentException($"value {e.Value} is not finite");
        }
    }
}
