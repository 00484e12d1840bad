// Gpt2Model — GPT-2 (GPT2LMHeadModel) as Hugging Face stores it: learned positions, pre-LayerNorm blocks, Conv1D
// weights stored [in, out], gelu_new, unembedding tied to the token embedding. Keys are read with or without the
// "transformer." prefix.
namespace InterpEval.Interp.Models;

public sealed class Gpt2Model : TransformerModel
{
    private readonly Tensor _wte;       // [V, D]
    private readonly Tensor _wpe;       // [P, D]
    private readonly Gpt2Block[] _blocks;
    private readonly LayerNormWeights _lnF;
    private readonly Tensor _unembed;   // [D, V] (a transposed view of wte unless an untied lm_head is stored)
    private readonly bool _untiedHead;

    private sealed record Gpt2Block(LayerNormWeights Ln1, AttentionWeights Attn, LayerNormWeights Ln2, Linear Fc, Linear Proj);

    private Gpt2Model(ModelConfig c, Device device, Tensor wte, Tensor wpe, Gpt2Block[] blocks, LayerNormWeights lnF, Tensor unembed, bool untiedHead)
        : base(c, device) => (_wte, _wpe, _blocks, _lnF, _unembed, _untiedHead) = (wte, wpe, blocks, lnF, unembed, untiedHead);

    public override IEnumerable<Tensor> Parameters =>
        new[] { _wte, _wpe, _lnF.Weight, _lnF.Bias }.Concat(_blocks.SelectMany(b =>
            new[] { b.Ln1.Weight, b.Ln1.Bias, b.Ln2.Weight, b.Ln2.Bias, b.Fc.WeightInOut, b.Fc.Bias!, b.Proj.WeightInOut, b.Proj.Bias! }
                .Concat(b.Attn.Parameters))).Concat(_untiedHead ? [_unembed] : []);

    protected override IEnumerable<Tensor> OwnedTensors => _untiedHead ? Parameters : Parameters.Append(_unembed);

    public static Gpt2Model FromWeights(ModelConfig c, IWeightSource w, Device device)
    {
        string prefix = w.Contains("transformer.wte.weight") ? "transformer." : "";
        long d = c.DModel;
        Tensor Get(string key, params long[] shape) => w.Load(prefix + key, shape, device).DetachFromScopes();
        LayerNormWeights Ln(string key) => new(Get(key + ".weight", d), Get(key + ".bias", d), c.NormEps);
        Linear Conv1D(string key, long inDim, long outDim) => new(Get(key + ".weight", inDim, outDim), Get(key + ".bias", outDim));

        var wte = Get("wte.weight", c.VocabSize, d);
        var blocks = new Gpt2Block[c.NLayers];
        for (int l = 0; l < c.NLayers; l++)
        {
            string h = $"h.{l}.";
            var attn = new AttentionWeights(Conv1D(h + "attn.c_attn", d, 3 * d), Conv1D(h + "attn.c_proj", d, d), c.NHeads, c.NHeads, c.HeadDim);
            blocks[l] = new Gpt2Block(Ln(h + "ln_1"), attn, Ln(h + "ln_2"), Conv1D(h + "mlp.c_fc", d, c.DMlp), Conv1D(h + "mlp.c_proj", c.DMlp, d));
        }
        bool untied = !c.TieWordEmbeddings && w.Contains("lm_head.weight");
        var unembed = untied ? Get("lm_head.weight", c.VocabSize, d).T.Contiguous() : wte.T;
        return new Gpt2Model(c, device, wte, Get("wpe.weight", c.NCtx, d), blocks, Ln("ln_f"), unembed.DetachFromScopes(), untied);
    }

    public override IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        const string p = "transformer.";
        KeyValuePair<string, Tensor> Kv(string key, Tensor t) => KeyValuePair.Create(key, t);
        yield return Kv(p + "wte.weight", _wte);
        yield return Kv(p + "wpe.weight", _wpe);
        for (int l = 0; l < _blocks.Length; l++)
        {
            var b = _blocks[l];
            string h = $"{p}h.{l}.";
            yield return Kv(h + "ln_1.weight", b.Ln1.Weight);
            yield return Kv(h + "ln_1.bias", b.Ln1.Bias);
            yield return Kv(h + "attn.c_attn.weight", b.Attn.Qkv.WeightInOut);
            yield return Kv(h + "attn.c_attn.bias", b.Attn.Qkv.Bias!);
            yield return Kv(h + "attn.c_proj.weight", b.Attn.O.WeightInOut);
            yield return Kv(h + "attn.c_proj.bias", b.Attn.O.Bias!);
            yield return Kv(h + "ln_2.weight", b.Ln2.Weight);
            yield return Kv(h + "ln_2.bias", b.Ln2.Bias);
            yield return Kv(h + "mlp.c_fc.weight", b.Fc.WeightInOut);
            yield return Kv(h + "mlp.c_fc.bias", b.Fc.Bias!);
            yield return Kv(h + "mlp.c_proj.weight", b.Proj.WeightInOut);
            yield return Kv(h + "mlp.c_proj.bias", b.Proj.Bias!);
        }
        yield return Kv(p + "ln_f.weight", _lnF.Weight);
        yield return Kv(p + "ln_f.bias", _lnF.Bias);
        if (_untiedHead) yield return Kv("lm_head.weight", _unembed.T);
    }

    protected override Tensor Embed(Tensor tokens, Tensor positions) =>
        Tensor.Embedding(_wte, tokens) + Tensor.Embedding(_wpe, positions);

    protected override (INorm Ln1, AttentionWeights Attention, INorm Ln2) BlockParts(int l) => (_blocks[l].Ln1, _blocks[l].Attn, _blocks[l].Ln2);

    protected override Tensor Mlp(int l, Tensor x, ForwardHooks hooks) =>
        _blocks[l].Proj.Forward(hooks.Apply(HookNames.MlpPost(l), _blocks[l].Fc.Forward(x).Gelu(tanhApproximation: true)));

    protected override Tensor FinalNorm(Tensor x, ForwardHooks hooks) =>
        _lnF.Forward(x, hooks, HookNames.LnFinalScale, HookNames.LnFinalNormalized);

    protected override Tensor Unembed(Tensor x) => x.MatMul(_unembed);

    public override Tensor UnembeddingMatrix => _unembed;
}
