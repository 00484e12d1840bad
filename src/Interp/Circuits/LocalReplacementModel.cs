// LocalReplacementModel — the local replacement model of one prompt (Ameisen et al. 2025, "Circuit Tracing", §2.2):
// every MLP output is the dictionaries' reconstruction (latents decoded, plus a skip-transcoder's skip) plus an error
// term that makes it exact, and every attention pattern and normalisation scale is frozen at its value in the real
// forward. Its forward is then affine in the token embeddings, the latents' decoded outputs and the errors, so its
// logits equal the real model's and its gradients flow only through the frozen linear paths (and through the skip).
// It runs no attribution itself (Attribution does) and changes no weight.
//
// Shapes: B batch (copies of the prompt), T tokens, D d_model, F latents per layer, L layers, H heads, V vocabulary.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Circuits;

/// <summary>The values a frozen forward produced, still on the autograd graph.</summary>
/// <param name="Inputs">Each layer's encoder input [B, T, D].</param>
/// <param name="FinalNormalized">ln_final.hook_normalized [B, T, D] (logits = FinalNormalized · W_U).</param>
/// <param name="Logits">[B, T, V].</param>
public sealed record FrozenPass(IReadOnlyList<Tensor> Inputs, Tensor FinalNormalized, Tensor Logits);

public sealed class LocalReplacementModel : IDisposable
{
    private readonly List<Tensor> _owned = [];
    private readonly Tensor[] _ln1Scale, _ln2Scale, _patterns;
    private Tensor _lnFinalScale = null!;

    private LocalReplacementModel(TransformerModel model, ReplacementCoder coder, long[] tokens)
    {
        Model = model;
        Coder = coder;
        Tokens = tokens;
        int layers = model.Config.NLayers;
        _ln1Scale = new Tensor[layers];
        _ln2Scale = new Tensor[layers];
        _patterns = new Tensor[layers];
        Inputs = new Tensor[layers];
        MlpOut = new Tensor[layers];
        PreActivations = new Tensor[layers];
        Latents = new Tensor[layers];
        Errors = new Tensor[layers];
        MlpValues = new Tensor[layers];
        Embedding = null!;
        Logits = null!;
    }

    public TransformerModel Model { get; }
    public ReplacementCoder Coder { get; }

    /// <summary>The prompt's token ids (T).</summary>
    public long[] Tokens { get; }

    public int NLayers => Model.Config.NLayers;
    public int NTokens => Tokens.Length;

    /// <summary>hook_embed of the real forward (token plus position embedding): [T, D].</summary>
    public Tensor Embedding { get; private set; }

    /// <summary>Each layer's encoder input in the real forward: [T, D].</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The real MLP outputs: [T, D] per layer.</summary>
    public Tensor[] MlpOut { get; }

    /// <summary>Pre-activations [T, F] per layer.</summary>
    public Tensor[] PreActivations { get; }

    /// <summary>Latents [T, F] per layer.</summary>
    public Tensor[] Latents { get; }

    /// <summary>Errors: real MLP output − (decoded latents + b_dec + skip), [T, D] per layer.</summary>
    public Tensor[] Errors { get; }

    /// <summary>The MLP output less the skip term (decoded latents + b_dec + error): what the frozen forward adds to the
    /// skip it recomputes, [T, D] per layer.</summary>
    public Tensor[] MlpValues { get; }

    /// <summary>The real model's logits [T, V].</summary>
    public Tensor Logits { get; private set; }

    /// <summary>Runs the real forward on the prompt, freezing what the replacement model needs.</summary>
    public static LocalReplacementModel Build(TransformerModel model, ReplacementCoder coder, IReadOnlyList<long> ids)
    {
        if (coder.NLayers != model.Config.NLayers)
            throw new ArgumentException($"the dictionaries span {coder.NLayers} layers, the model has {model.Config.NLayers}");
        if (ids.Count == 0) throw new ArgumentException("the prompt has no tokens");
        var lrm = new LocalReplacementModel(model, coder, ids.ToArray());
        try
        {
            lrm.Capture();
            return lrm;
        }
        catch
        {
            lrm.Dispose();
            throw;
        }
    }

    private void Capture()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        int layers = NLayers;
        var hooks = new ForwardHooks().Capture(HookNames.Embed, HookNames.LnFinalScale);
        for (int l = 0; l < layers; l++)
            hooks.Capture(HookNames.Ln1Scale(l), HookNames.Ln2Scale(l), HookNames.AttnPattern(l), HookNames.MlpOut(l),
                HookNames.Ln2Normalized(l), Coder.InputHook(l));
        var tokens = Tensor.From<long>(Tokens, [1, NTokens], Model.Device);
        var logits = Model.Forward(tokens, hooks)!;
        Tensor Keep(Tensor t)
        {
            var kept = t.Detach().Contiguous().Clone().DetachFromScopes();
            _owned.Add(kept);
            return kept;
        }
        Logits = Keep(logits.Select(0, 0));
        Embedding = Keep(hooks.Captured[HookNames.Embed].Select(0, 0));
        _lnFinalScale = Keep(hooks.Captured[HookNames.LnFinalScale]);
        for (int l = 0; l < layers; l++)
        {
            _ln1Scale[l] = Keep(hooks.Captured[HookNames.Ln1Scale(l)]);
            _ln2Scale[l] = Keep(hooks.Captured[HookNames.Ln2Scale(l)]);
            _patterns[l] = Keep(hooks.Captured[HookNames.AttnPattern(l)]);
            Inputs[l] = Keep(hooks.Captured[Coder.InputHook(l)].Select(0, 0));
            MlpOut[l] = Keep(hooks.Captured[HookNames.MlpOut(l)].Select(0, 0));
            PreActivations[l] = Keep(Coder.PreActivations(l, Inputs[l]));
            Latents[l] = Keep(Coder.Encode(l, Inputs[l]));
        }
        for (int l = 0; l < layers; l++)
        {
            var skip = Coder.Skip(l, hooks.Captured[HookNames.Ln2Normalized(l)].Select(0, 0));
            var nonSkip = skip is null ? MlpOut[l] : MlpOut[l] - skip;
            MlpValues[l] = Keep(nonSkip);
            Errors[l] = Keep(nonSkip - Coder.Decode(l, Latents));
        }
    }

    /// <summary>The frozen forward on B copies of the prompt: embed [B, T, D] replaces hook_embed, each MLP output is
    /// mlpValues[l] [B, T, D] plus the skip recomputed from this forward's MLP input; patterns and scales are the real
    /// forward's. Everything it returns is on the autograd graph of embed and mlpValues.</summary>
    public FrozenPass Forward(Tensor embed, IReadOnlyList<Tensor> mlpValues)
    {
        long b = embed.Size(0), t = NTokens;
        if (embed.Dim != 3 || embed.Size(1) != t || embed.Size(2) != Coder.DModel)
            throw new ArgumentException($"embed must be [B, {t}, {Coder.DModel}], got {embed.ShapeString}");
        if (mlpValues.Count != NLayers) throw new ArgumentException($"expected {NLayers} MLP values, got {mlpValues.Count}");
        var hooks = new ForwardHooks().Capture(HookNames.LnFinalNormalized);
        FreezePatterns(hooks, b);
        hooks.Replace(HookNames.Embed, _ => embed);
        hooks.Replace(HookNames.LnFinalScale, _ => _lnFinalScale.Expand(b, t, 1));
        for (int l = 0; l < NLayers; l++)
        {
            int layer = l;
            hooks.Replace(HookNames.Ln1Scale(l), _ => _ln1Scale[layer].Expand(b, t, 1));
            hooks.Replace(HookNames.Ln2Scale(l), _ => _ln2Scale[layer].Expand(b, t, 1));
            hooks.Capture(Coder.InputHook(l), HookNames.Ln2Normalized(l));
            hooks.Replace(HookNames.MlpOut(l), _ =>
            {
                var skip = Coder.Skip(layer, hooks.Captured[HookNames.Ln2Normalized(layer)]);
                return skip is null ? mlpValues[layer] + 0 : mlpValues[layer] + skip;
            });
        }
        var tokens = Tensor.From<long>(Tokens, [1, t], Model.Device).Expand(b, t).Contiguous();
        var logits = Model.Forward(tokens, hooks)!;
        var inputs = Enumerable.Range(0, NLayers).Select(l => hooks.Captured[Coder.InputHook(l)]).ToArray();
        return new FrozenPass(inputs, hooks.Captured[HookNames.LnFinalNormalized], logits);
    }

    /// <summary>Registers replacements that freeze every attention pattern at the real forward's (for B copies).</summary>
    public void FreezePatterns(ForwardHooks hooks, long b)
    {
        long t = NTokens;
        for (int l = 0; l < NLayers; l++)
        {
            int layer = l;
            hooks.Replace(HookNames.AttnPattern(l), _ => _patterns[layer].Expand(b, _patterns[layer].Size(1), t, t));
        }
    }

    /// <summary>Copies (never views) of the prompt's own values repeated B times: embedding [B, T, D] and MLP values [B, T, D] per layer.</summary>
    public (Tensor Embed, Tensor[] MlpValues) CleanSources(long b) =>
        (Embedding.Unsqueeze(0).Expand(b, NTokens, Coder.DModel).Contiguous().Clone(),
         MlpValues.Select(v => v.Unsqueeze(0).Expand(b, NTokens, Coder.DModel).Contiguous().Clone()).ToArray());

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
