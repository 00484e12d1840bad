// GemmaModel — Gemma 2 and Gemma 3 text models as Hugging Face stores them (modeling_gemma2.py, modeling_gemma3.py):
// (1 + w) RMSNorm, norms before and after both attention and MLP, GeGLU with tanh gelu, embeddings scaled by √d_model,
// scores scaled by query_pre_attn_scalar^−½, alternating sliding-window and global layers; Gemma 2's attention and final
// logit soft-capping; Gemma 3's per-head q/k norms and separate rotary base for local layers. Tied embeddings unless
// lm_head.weight is stored. The post norms have no hooks of their own. Left out: Gemma 3's multimodal checkpoints.
namespace InterpEval.Interp.Models;

public sealed class GemmaModel : TransformerModel
{
    private readonly Tensor _embed;       // [V, D]
    private readonly GemmaBlock[] _blocks;
    private readonly RmsNormWeights _norm;
    private readonly Tensor _unembed;     // [D, V]
    private readonly bool _untiedHead;

    private sealed record GemmaBlock(RmsNormWeights Ln1, AttentionWeights Attn, RmsNormWeights PostAttn, RmsNormWeights Ln2,
        Linear GateUp, Linear Down, RmsNormWeights PostMlp)
    {
        public IEnumerable<Tensor> Parameters =>
            new[] { Ln1.Weight, PostAttn.Weight, Ln2.Weight, PostMlp.Weight, GateUp.WeightInOut, Down.WeightInOut }.Concat(Attn.Parameters);
    }

    private GemmaModel(ModelConfig c, Device device, Tensor embed, GemmaBlock[] blocks, RmsNormWeights norm, Tensor unembed, bool untiedHead)
        : base(c, device) => (_embed, _blocks, _norm, _unembed, _untiedHead) = (embed, blocks, norm, unembed, untiedHead);

    public override IEnumerable<Tensor> Parameters =>
        new[] { _embed, _norm.Weight }.Concat(_blocks.SelectMany(b => b.Parameters)).Concat(_untiedHead ? [_unembed] : []);

    protected override IEnumerable<Tensor> OwnedTensors => _untiedHead ? Parameters : Parameters.Append(_unembed);

    public static GemmaModel FromWeights(ModelConfig c, IWeightSource w, Device device)
    {
        long d = c.DModel, qWidth = (long)c.NHeads * c.HeadDim, kvWidth = (long)c.NKvHeads * c.HeadDim;
        var hub = new HubWeights(c, w, device);
        var InOut = hub.InOut;
        RmsNormWeights Rms(string key, long width) => hub.Rms(key, width, offset: 1);

        double scale = 1.0 / Math.Sqrt(c.QueryPreAttnScalar ?? c.HeadDim);
        var blocks = new GemmaBlock[c.NLayers];
        for (int l = 0; l < c.NLayers; l++)
        {
            string p = $"model.layers.{l}.", a = p + "self_attn.";
            var qkv = new Linear(InOut((a + "q_proj", qWidth, d), (a + "k_proj", kvWidth, d), (a + "v_proj", kvWidth, d)), null);
            var attn = new AttentionWeights(qkv, new Linear(InOut((a + "o_proj", d, qWidth)), null), c.NHeads, c.NKvHeads, c.HeadDim,
                c.QkNorm ? Rms(a + "q_norm", c.HeadDim) : null, c.QkNorm ? Rms(a + "k_norm", c.HeadDim) : null, scale, c.AttnLogitSoftcap);
            blocks[l] = new GemmaBlock(Rms(p + "input_layernorm", d), attn, Rms(p + "post_attention_layernorm", d),
                Rms(p + "pre_feedforward_layernorm", d),
                new Linear(InOut((p + "mlp.gate_proj", c.DMlp, d), (p + "mlp.up_proj", c.DMlp, d)), null),
                new Linear(InOut((p + "mlp.down_proj", d, c.DMlp)), null), Rms(p + "post_feedforward_layernorm", d));
        }
        bool untied = !c.TieWordEmbeddings && hub.Contains("lm_head.weight");
        var (embed, unembed) = hub.Embeddings(untied);
        return new GemmaModel(c, device, embed, blocks, Rms("model.norm", d), unembed, untied);
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
            yield return Kv(a + "q_proj.weight", b.Attn.Qkv.WeightInOut.Narrow(1, 0, q).T);
            yield return Kv(a + "k_proj.weight", b.Attn.Qkv.WeightInOut.Narrow(1, q, kv).T);
            yield return Kv(a + "v_proj.weight", b.Attn.Qkv.WeightInOut.Narrow(1, q + kv, kv).T);
            yield return Kv(a + "o_proj.weight", b.Attn.O.WeightInOut.T);
            if (b.Attn.QNorm is { } qn) yield return Kv(a + "q_norm.weight", qn.Weight);
            if (b.Attn.KNorm is { } kn) yield return Kv(a + "k_norm.weight", kn.Weight);
            yield return Kv(p + "post_attention_layernorm.weight", b.PostAttn.Weight);
            yield return Kv(p + "pre_feedforward_layernorm.weight", b.Ln2.Weight);
            yield return Kv(p + "mlp.gate_proj.weight", b.GateUp.WeightInOut.Narrow(1, 0, Config.DMlp).T);
            yield return Kv(p + "mlp.up_proj.weight", b.GateUp.WeightInOut.Narrow(1, Config.DMlp, Config.DMlp).T);
            yield return Kv(p + "mlp.down_proj.weight", b.Down.WeightInOut.T);
            yield return Kv(p + "post_feedforward_layernorm.weight", b.PostMlp.Weight);
        }
        yield return Kv("model.norm.weight", _norm.Weight);
        if (_untiedHead) yield return Kv("lm_head.weight", _unembed.T);
    }

    // Gemma scales the embedding by √d_model (as a float32 constant, which is what the checkpoints were trained with in f32).
    protected override Tensor Embed(Tensor tokens, Tensor positions) => Tensor.Embedding(_embed, tokens).Mul((double)MathF.Sqrt(Config.DModel));

    protected override (Tensor Cos, Tensor Sin)? Prepare(Tensor positions) => Rotary.Tables(positions, Config.HeadDim, Config.RopeTheta, Config.RopeScaling);

    // Gemma 3's local layers use rope_local_base_freq and no scaling.
    protected override (Tensor Cos, Tensor Sin)? PrepareLocal(Tensor positions) =>
        Config.RopeLocalTheta is double local ? Rotary.Tables(positions, Config.HeadDim, local) : null;

    protected override (INorm Ln1, AttentionWeights Attention, INorm Ln2) BlockParts(int l) => (_blocks[l].Ln1, _blocks[l].Attn, _blocks[l].Ln2);

    protected override Tensor PostAttention(int l, Tensor x) => _blocks[l].PostAttn.Forward(x);

    protected override Tensor PostMlp(int l, Tensor x) => _blocks[l].PostMlp.Forward(x);

    // GeGLU: down(gelu_tanh(gate(x)) · up(x)).
    protected override Tensor Mlp(int l, Tensor x, ForwardHooks hooks)
    {
        var gateUp = _blocks[l].GateUp.Forward(x);                                          // [B, T, 2·d_mlp]
        var post = gateUp.Narrow(-1, 0, Config.DMlp).Gelu(tanhApproximation: true) * gateUp.Narrow(-1, Config.DMlp, Config.DMlp);
        return _blocks[l].Down.Forward(hooks.Apply(HookNames.MlpPost(l), post));
    }

    protected override Tensor FinalNorm(Tensor x, ForwardHooks hooks) =>
        _norm.Forward(x, hooks, HookNames.LnFinalScale, HookNames.LnFinalNormalized);

    protected override Tensor Unembed(Tensor x)
    {
        var logits = x.MatMul(_unembed);                                                     // [B, T, V]
        return Config.FinalLogitSoftcap is double cap ? logits.Mul(1.0 / cap).Tanh().Mul(cap) : logits;
    }

    /// <summary>W_U [D, V] (the tied embedding's transpose unless lm_head is stored); final soft-capping is applied after it.</summary>
    public override Tensor UnembeddingMatrix => _unembed;
}
