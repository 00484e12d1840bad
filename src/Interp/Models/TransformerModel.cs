// TransformerModel — a decoder-only subject model: the shared forward (embedding, blocks, final norm, unembedding)
// with hook points, early stopping when no logits are needed, padding masks and positions, and a registry of
// architectures by config.json's model_type. Architectures supply the embedding, the block and the head.
using InterpEval.Interp.IO;

namespace InterpEval.Interp.Models;

public abstract class TransformerModel : IDisposable
{
    private readonly IReadOnlyList<string> _hookPointList;
    private readonly HashSet<string> _hookPoints;

    protected TransformerModel(ModelConfig config, Device device)
    {
        Config = config;
        Device = device;
        _hookPointList = Array.AsReadOnly(HookNames.All(config.NLayers).ToArray());
        _hookPoints = _hookPointList.ToHashSet(StringComparer.Ordinal);
    }

    public ModelConfig Config { get; }

    public Device Device { get; }

    /// <summary>The hook points this model exposes, in forward order.</summary>
    public IReadOnlyList<string> HookPoints => _hookPointList;

    /// <summary>Every parameter tensor (for counting and for moving).</summary>
    public abstract IEnumerable<Tensor> Parameters { get; }

    public long ParameterCount => Parameters.Sum(p => p.NumEl);

    /// <summary>Every tensor the model holds (parameters plus views and buffers), freed on Dispose.</summary>
    protected virtual IEnumerable<Tensor> OwnedTensors => Parameters;

    private static readonly Dictionary<ModelFamily, Func<ModelConfig, IWeightSource, Device, TransformerModel>> Loaders = new()
    {
        [ModelFamily.Gpt2] = (c, w, d) => Gpt2Model.FromWeights(c, w, d),
        [ModelFamily.Llama] = (c, w, d) => LlamaModel.FromWeights(c, w, d),
        [ModelFamily.Gemma] = (c, w, d) => GemmaModel.FromWeights(c, w, d),
    };

    /// <summary>A freshly initialised model (GPT-2's scheme, seeded) for training from scratch.</summary>
    public static TransformerModel Initialize(ModelConfig config, ulong seed, Device device)
    {
        using var init = new WeightInitializer(config.NLayers, seed);
        return Loaders[config.Family](config, init, device);
    }

    /// <summary>Parameters under their Hugging Face names and layouts (what Save writes).</summary>
    public abstract IEnumerable<KeyValuePair<string, Tensor>> NamedParameters();

    /// <summary>Writes a Hugging Face directory: config.json + model.safetensors in the given dtype (atomic per file).</summary>
    public void Save(string directory, ScalarType dtype = ScalarType.Float32)
    {
        Directory.CreateDirectory(directory);
        using var scope = DisposeScope.Enter();
        var tensors = NamedParameters().Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Detach().To(dtype))).ToList();
        InterpEval.Torch.SafeTensors.SafeTensorsWriter.Write(Path.Combine(directory, WeightStore.SingleFile), tensors,
            new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), Config.ToJson().ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>Loads a Hugging Face model directory (config.json + safetensors) onto a device.</summary>
    public static TransformerModel Load(string directory, Device device)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory does not exist");
        var config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        using var weights = WeightStore.Open(directory);
        return Loaders[config.Family](config, weights, device);
    }

    /// <summary>
    /// Runs tokens [B, T] (int64) through the model with the given hooks. attentionMask [B, T] (1 = token, 0 = padding)
    /// allows left or right padding. Returns logits [B, T, vocab], or null when hooks.NeedLogits is false (the forward
    /// then stops after the last block a hook needs). Captured hook values survive the call; other temporaries do not.
    /// </summary>
    public Tensor? Forward(Tensor tokens, ForwardHooks? hooks = null, Tensor? attentionMask = null)
    {
        hooks ??= new ForwardHooks();
        CheckTokens(tokens, attentionMask);
        int lastBlock = LastBlockNeeded(hooks);
        using var scope = DisposeScope.Enter();
        var positions = Positions(tokens, attentionMask);                                   // [B, T]
        var global = AttentionWeights.BlockedMask(tokens.Size(1), attentionMask, null, Device);
        var local = Config.SlidingWindow is null ? global : AttentionWeights.BlockedMask(tokens.Size(1), attentionMask, Config.SlidingWindow, Device);
        var x = hooks.Apply(HookNames.Embed, Embed(tokens, positions));                     // [B, T, D]
        var context = Prepare(positions);
        var localContext = PrepareLocal(positions) ?? context;
        for (int l = 0; l <= Math.Min(lastBlock, Config.NLayers - 1); l++)
        {
            bool sliding = Config.IsSlidingLayer(l);
            x = BlockInOwnScope(l, x, sliding ? local : global, sliding ? localContext : context, hooks);
        }
        Tensor? logits = lastBlock < Config.NLayers ? null : Unembed(FinalNorm(x, hooks));
        KeepPastScope(scope, hooks, logits);
        return logits;
    }

    /// <summary>Logits for one sequence of token ids: [T, vocab].</summary>
    public Tensor Logits(IReadOnlyList<long> ids)
    {
        using var scope = DisposeScope.Enter();
        var tokens = Tensor.From<long>(ids.ToArray(), [1, ids.Count], Device);
        return scope.MoveOut(Forward(tokens)!.Select(0, 0));
    }

    protected abstract Tensor Embed(Tensor tokens, Tensor positions);

    /// <summary>Per-forward tables shared by every block (rotary cos/sin); null when the architecture has none.</summary>
    protected virtual (Tensor Cos, Tensor Sin)? Prepare(Tensor positions) => null;

    /// <summary>Rotary tables of the sliding-window layers when they differ (Gemma 3's local base); null = the same as Prepare's.</summary>
    protected virtual (Tensor Cos, Tensor Sin)? PrepareLocal(Tensor positions) => null;

    /// <summary>A norm applied to the attention output before it joins the residual (Gemma's post_attention_layernorm); identity by default.</summary>
    protected virtual Tensor PostAttention(int layer, Tensor x) => x;

    /// <summary>A norm applied to the MLP output before it joins the residual (Gemma's post_feedforward_layernorm); identity by default.</summary>
    protected virtual Tensor PostMlp(int layer, Tensor x) => x;

    /// <summary>Block l's pre-attention norm, attention and pre-MLP norm.</summary>
    protected abstract (INorm Ln1, AttentionWeights Attention, INorm Ln2) BlockParts(int layer);

    /// <summary>Block l's MLP on its (normalised) input; applies the mlp.hook_post hook to the hidden activation.</summary>
    protected abstract Tensor Mlp(int layer, Tensor x, ForwardHooks hooks);

    // Runs a block in its own dispose scope so its temporaries are freed before the next block allocates (the memory
    // stays hot in the allocator); the output and any captured values move to the caller's scope.
    private Tensor BlockInOwnScope(int l, Tensor x, Tensor blocked, (Tensor Cos, Tensor Sin)? rotary, ForwardHooks hooks)
    {
        using var scope = DisposeScope.Enter();
        var output = Block(l, x, blocked, rotary, hooks);
        KeepPastScope(scope, hooks, output);
        return output;
    }

    // Moves the captured hook values and the result out of a scope that is about to free everything else.
    private static void KeepPastScope(DisposeScope scope, ForwardHooks hooks, Tensor? result)
    {
        foreach (var kept in hooks.Captured.Values.Append(result))
            if (kept is not null && kept.Scope == scope) scope.MoveOut(kept);
    }

    // A pre-norm block, the same for every architecture here: x + post(attn(ln1(x))), then + post(mlp(ln2(·))), with its
    // hooks; the post norms are Gemma's and the identity elsewhere, so hook_attn_out / hook_mlp_out are what joins the residual.
    private Tensor Block(int l, Tensor x, Tensor blocked, (Tensor Cos, Tensor Sin)? rotary, ForwardHooks hooks)
    {
        var (ln1, attention, ln2) = BlockParts(l);
        var residPre = hooks.Apply(HookNames.ResidPre(l), x);
        var attnIn = ln1.Forward(residPre, hooks, HookNames.Ln1Scale(l), HookNames.Ln1Normalized(l));
        var attnOut = hooks.Apply(HookNames.AttnOut(l), PostAttention(l, attention.Forward(attnIn, blocked, rotary, hooks, l)));
        var residMid = hooks.Apply(HookNames.ResidMid(l), residPre + attnOut);
        var mlpIn = ln2.Forward(residMid, hooks, HookNames.Ln2Scale(l), HookNames.Ln2Normalized(l));
        var mlpOut = hooks.Apply(HookNames.MlpOut(l), PostMlp(l, Mlp(l, mlpIn, hooks)));
        return hooks.Apply(HookNames.ResidPost(l), residMid + mlpOut);
    }

    protected abstract Tensor FinalNorm(Tensor x, ForwardHooks hooks);

    protected abstract Tensor Unembed(Tensor x);

    /// <summary>The unembedding W_U [D, V]: logits = ln_final.hook_normalized · W_U (no bias in the families loaded here).</summary>
    public abstract Tensor UnembeddingMatrix { get; }

    private int LastBlockNeeded(ForwardHooks hooks)
    {
        foreach (var name in hooks.Names)
            if (!_hookPoints.Contains(name))
                throw new ArgumentException($"unknown hook point '{name}' — see `interp-eval model info` for this model's hook points");
        if (hooks.NeedLogits) return Config.NLayers;
        return hooks.Names.Select(n => HookNames.LayerOf(n, Config.NLayers)).DefaultIfEmpty(Config.NLayers).Max();
    }

    private void CheckTokens(Tensor tokens, Tensor? attentionMask)
    {
        if (tokens.Dtype != ScalarType.Int64 || tokens.Dim != 2)
            throw new ArgumentException($"tokens must be int64 [batch, seq]; got {tokens.Dtype} {tokens.ShapeString}");
        if (Config.Family == ModelFamily.Gpt2 && tokens.Size(1) > Config.NCtx)
            throw new ArgumentException($"sequence of {tokens.Size(1)} tokens exceeds the model's context of {Config.NCtx}");
        if (tokens.NumEl > 0 && (tokens.Min().ToInt64() < 0 || tokens.Max().ToInt64() >= Config.VocabSize))
            throw new ArgumentException($"token ids must lie in [0, {Config.VocabSize}); got [{tokens.Min().ToInt64()}, {tokens.Max().ToInt64()}]");
        if (attentionMask is not null && !attentionMask.Shape.SequenceEqual(tokens.Shape))
            throw new ArgumentException($"attention mask {attentionMask.ShapeString} does not match tokens {tokens.ShapeString}");
    }

    // Positions count real tokens only, so left-padded sequences start at position 0 (as Hugging Face's generate does).
    private Tensor Positions(Tensor tokens, Tensor? attentionMask)
    {
        long b = tokens.Size(0), t = tokens.Size(1);
        if (attentionMask is null) return Tensor.Arange(0, t, 1, ScalarType.Int64, Device).Unsqueeze(0).Expand(b, t);
        return (attentionMask.To(ScalarType.Int64).CumSum(1) - 1).Clamp(min: 0);
    }

    public void Dispose()
    {
        foreach (var p in OwnedTensors) p.Dispose();
        GC.SuppressFinalize(this);
    }
}
