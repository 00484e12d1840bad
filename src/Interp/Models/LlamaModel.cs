// LlamaModel — the Llama family as Hugging Face stores it (Llama, Qwen2, Qwen3, Mistral): RMSNorm, rotary embeddings
// (rotate-half, rope_theta), grouped-query attention, SwiGLU MLP; Qwen2's q/k/v biases, Qwen3's per-head q/k norms,
// Mistral's sliding window; linear and Llama 3 rope scaling; tied or separate lm_head.
namespace InterpEval.Interp.Models;

public sealed class LlamaModel : TransformerModel
{
    private readonly Tensor _embed;       // [V, D]
    private readonly LlamaBlock[] _blocks;
    private readonly RmsNormWeights _norm;
    private readonly Tensor _unembed;     // [D, V]
    private readonly bool _untiedHead;

    private sealed record LlamaBlock(RmsNormWeights Ln1, AttentionWeights Attn, RmsNormWeights Ln2, Linear GateUp, Linear Down)
    {
        public IEnumerable<Tensor> Parameters =>
            new[] { Ln1.Weight, Ln2.Weight, GateUp.WeightInOut, Down.WeightInOut }.Concat(Attn.Parameters);
    }

    private LlamaModel(ModelConfig c, Device device, Tensor embed, LlamaBlock[] blocks, RmsNormWeights norm, Tensor unembed, bool untiedHead)
        : base(c, device) => (_embed, _blocks, _norm, _unembed, _untiedHead) = (embed, blocks, norm, unembed, untiedHead);

    public override IEnumerable<Tensor> Parameters =>
        new[] { _embed, _norm.Weight }.Concat(_blocks.SelectMany(b => b.Parameters)).Concat(_untiedHead ? [_unembed] : []);

    protected override IEnumerable<Tensor> OwnedTensors => _untiedHead ? Parameters : Parameters.Append(_unembed);

    public static LlamaModel FromWeights(ModelConfig c, IWeightSource w, Device device)
    {
        long d = c.DModel, qWidth = (long)c.NHeads * c.HeadDim, kvWidth = (long)c.NKvHeads * c.HeadDim;
        var hub = new HubWeights(c, w, device);
        var InOut = hub.InOut;
        Tensor? Biases(params (string Key, long Out)[] parts) => c.AttentionBias ? hub.Biases(parts) : null;
        RmsNormWeights Rms(string key, long width) => hub.Rms(key, width);

        var blocks = new LlamaBlock[c.NLayers];
        for (int l = 0; l < c.NLayers; l++)
        {
            string p = $"model.layers.{l}.", a = p + "self_attn.";
            var qkv = new Linear(InOut((a + "q_proj", qWidth, d), (a + "k_proj", kvWidth, d), (a + "v_proj", kvWidth, d)),
                                 Biases((a + "q_proj", qWidth), (a + "k_proj", kvWidth), (a + "v_proj", kvWidth)));
            var attn = new AttentionWeights(qkv, new Linear(InOut((a + "o_proj", d, qWidth)), null), c.NHeads, c.NKvHeads, c.HeadDim,
                c.QkNorm ? Rms(a + "q_norm", c.HeadDim) : null, c.QkNorm ? Rms(a + "k_norm", c.HeadDim) : null);
            blocks[l] = new LlamaBlock(Rms(p + "input_layernorm", d), attn, Rms(p + "post_attention_layernorm", d),
                new Linear(InOut((p + "mlp.gate_proj", c.DMlp, d), (p + "mlp.up_proj", c.DMlp, d)), null),
                new Linear(InOut((p + "mlp.down_proj", d, c.DMlp)), null));
        }
        bool untied = !c.TieWordEmbeddings;
        var (embed, unembed) = hub.Embeddings(untied);
        return new LlamaModel(c, device, embed, blocks, Rms("model.norm", d), unembed, untied);
    }

    public override IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        long q = (long)Config.NHeads * Config.HeadDim, kv = (long)Config.NKvHeads * Config.HeadDim;
        KeyValuePair<string, Tensor> Kv(string key, Tensor t) => KeyValuePair.Create(key, t);
        yield return Kv("model.embed_tokens.weight", _embed);
        for (int l = 0; l < _blocks.Length; l++)
        {
            var b = _blocks[l];
            string p = $"model.layers.{l}.", a = p + "self_attn.";
            yield return Kv(p + "input_layernorm.weight", b.Ln1.Weight);
            (string Name, long Start, long Width)[] parts = [("q_proj", 0, q), ("k_proj", q, kv), ("v_proj", q + kv, kv)];
            foreach (var (name, start, width) in parts)
            {
                yield return Kv(a + name + ".weight", b.Attn.Qkv.WeightInOut.Narrow(1, start, width).T);
                if (b.Attn.Qkv.Bias is { } bias) yield return Kv(a + name + ".bias", bias.Narrow(0, start, width));
            }
            yield return Kv(a + "o_proj.weight", b.Attn.O.WeightInOut.T);
            if (b.Attn.QNorm is { } qn) yield return Kv(a + "q_norm.weight", qn.Weight);
            if (b.Attn.KNorm is { } kn) yield return Kv(a + "k_norm.weight", kn.Weight);
            yield return Kv(p + "post_attention_layernorm.weight", b.Ln2.Weight);
            yield return Kv(p + "mlp.gate_proj.weight", b.GateUp.WeightInOut.Narrow(1, 0, Config.DMlp).T);
            yield return Kv(p + "mlp.up_proj.weight", b.GateUp.WeightInOut.Narrow(1, Config.DMlp, Config.DMlp).T);
            yield return Kv(p + "mlp.down_proj.weight", b.Down.WeightInOut.T);
        }
        yield return Kv("model.norm.weight", _norm.Weight);
        if (_untiedHead) yield return Kv("lm_head.weight", _unembed.T);
    }

    protected override Tensor Embed(Tensor tokens, Tensor positions) => Tensor.Embedding(_embed, tokens);

    protected override (Tensor Cos, Tensor Sin)? Prepare(Tensor positions) => Rotary.Tables(positions, Config.HeadDim, Config.RopeTheta, Config.RopeScaling);

    protected override (INorm Ln1, AttentionWeights Attention, INorm Ln2) BlockParts(int l) => (_blocks[l].Ln1, _blocks[l].Attn, _blocks[l].Ln2);

    // SwiGLU: down(silu(gate(x)) · up(x)), gate and up fused in one matrix.
    protected override Tensor Mlp(int l, Tensor x, ForwardHooks hooks)
    {
        var gateUp = _blocks[l].GateUp.Forward(x);                                          // [B, T, 2·d_mlp]
        var post = gateUp.Narrow(-1, 0, Config.DMlp).Silu() * gateUp.Narrow(-1, Config.DMlp, Config.DMlp);
        return _blocks[l].Down.Forward(hooks.Apply(HookNames.MlpPost(l), post));
    }

    protected override Tensor FinalNorm(Tensor x, ForwardHooks hooks) =>
        _norm.Forward(x, hooks, HookNames.LnFinalScale, HookNames.LnFinalNormalized);

    protected override Tensor Unembed(Tensor x) => x.MatMul(_unembed);

    public override Tensor UnembeddingMatrix => _unembed;
}
