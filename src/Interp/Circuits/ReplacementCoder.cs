// ReplacementCoder — what circuit tracing needs from the dictionaries that replace a model's MLPs, the same for a set of
// per-layer transcoders (plain or skip) and for a cross-layer transcoder: which hook each layer's encoder reads, the
// pre-activations and latents of a layer, each latent's encoder row and decoder rows in raw units, the decoder biases,
// and a skip-transcoder's linear skip. It owns nothing (the caller keeps the dictionaries) and trains nothing.
//
// Shapes: T tokens, D d_model, F latents per layer, L layers; decoder rows of a layer-l latent are [L, D] with zeros
// for output layers before l.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Circuits;

public abstract class ReplacementCoder
{
    public abstract int NLayers { get; }
    public abstract int DModel { get; }

    /// <summary>Latents per layer.</summary>
    public abstract int DSae { get; }

    /// <summary>"clt" or "plt" (for graph metadata and reports).</summary>
    public abstract string Kind { get; }

    /// <summary>The hook point layer l's encoder reads (ln2.hook_normalized for transcoders, hook_resid_mid for a CLT).</summary>
    public abstract string InputHook(int layer);

    /// <summary>Pre-activations of layer l for raw inputs x [T, D] → [T, F]; linear in x: pre = x·EncoderRow + constant.</summary>
    public abstract Tensor PreActivations(int layer, Tensor x);

    /// <summary>Latents of layer l for raw inputs x [T, D] → [T, F].</summary>
    public abstract Tensor Encode(int layer, Tensor x);

    /// <summary>Encoder rows of the given latents of layer l, in raw input units: [n, D].</summary>
    public abstract Tensor EncoderRows(int layer, Tensor latents);

    /// <summary>Decoder rows of the given latents of layer l, in raw output units, for every output layer: [n, L, D].</summary>
    public abstract Tensor DecoderRows(int layer, Tensor latents);

    /// <summary>The decoder bias of output layer l in raw units [D] (what the prediction is when every latent is 0).</summary>
    public abstract Tensor DecoderBias(int layer);

    /// <summary>The prediction of output layer l from every layer's latents [T, F] (without any skip term): [T, D].</summary>
    public abstract Tensor Decode(int outputLayer, IReadOnlyList<Tensor> latents);

    /// <summary>A skip-transcoder's linear skip of layer l on its raw input [..., D] → [..., D]; null when there is none.</summary>
    public virtual Tensor? Skip(int layer, Tensor x) => null;

    /// <summary>Per-layer transcoders (plain or skip), one per layer, each reading ln2.hook_normalized and predicting hook_mlp_out.</summary>
    public static ReplacementCoder FromTranscoders(IReadOnlyList<SparseDictionary> transcoders, int modelLayers)
    {
        if (transcoders.Count != modelLayers)
            throw new ArgumentException($"the replacement model needs one transcoder per layer: got {transcoders.Count} for {modelLayers} layers");
        for (int l = 0; l < modelLayers; l++)
        {
            var c = transcoders[l].Config;
            if (!c.Kind.IsTranscoder()) throw new ArgumentException($"layer {l}: a {c.Kind.Name()} is not a transcoder");
            if (c.HookName != HookNames.Ln2Normalized(l) || c.HookNameOut != HookNames.MlpOut(l))
                throw new ArgumentException($"layer {l}: the transcoder reads {c.HookName} → {c.HookNameOut}, expected {HookNames.Ln2Normalized(l)} → {HookNames.MlpOut(l)}");
            if (c.DIn != transcoders[0].DIn || c.DSae != transcoders[0].DSae)
                throw new ArgumentException($"layer {l}: d_in {c.DIn} / d_sae {c.DSae} differ from layer 0's {transcoders[0].DIn} / {transcoders[0].DSae}");
        }
        return new TranscoderSetCoder(transcoders);
    }

    /// <summary>A cross-layer transcoder spanning every layer of the model, reading hook_resid_mid and writing hook_mlp_out.</summary>
    public static ReplacementCoder FromClt(CrossLayerTranscoder clt, int modelLayers)
    {
        if (clt.NLayers != modelLayers) throw new ArgumentException($"the CLT spans {clt.NLayers} layers, the model has {modelLayers}");
        if (clt.Config.InputHook != CltConfig.DefaultInputHook || clt.Config.OutputHook != CltConfig.DefaultOutputHook)
            throw new ArgumentException($"the CLT reads {clt.Config.InputHook} → {clt.Config.OutputHook}; circuit tracing supports {CltConfig.DefaultInputHook} → {CltConfig.DefaultOutputHook}");
        return new CltCoder(clt);
    }
}

/// <summary>One SparseDictionary per layer (transcoder or skip-transcoder).</summary>
internal sealed class TranscoderSetCoder(IReadOnlyList<SparseDictionary> transcoders) : ReplacementCoder
{
    public override int NLayers => transcoders.Count;
    public override int DModel => transcoders[0].DIn;
    public override int DSae => transcoders[0].DSae;
    public override string Kind => "plt";

    public override string InputHook(int layer) => HookNames.Ln2Normalized(layer);

    public override Tensor PreActivations(int layer, Tensor x)
    {
        var t = transcoders[layer];
        return t.PreActivations(t.Scale.Input == 1 ? x : x * t.Scale.Input);
    }

    public override Tensor Encode(int layer, Tensor x) => transcoders[layer].Encode(x);

    public override Tensor EncoderRows(int layer, Tensor latents)
    {
        var t = transcoders[layer];
        return t.WEnc.IndexSelect(1, latents).T.Mul(t.Scale.Input);                            // [n, D]
    }

    public override Tensor DecoderRows(int layer, Tensor latents)
    {
        var t = transcoders[layer];
        long n = latents.Size(0);
        var rows = Tensor.Zeros([n, NLayers, DModel], device: t.Device);                      // [n, L, D]
        rows.Select(1, layer).Copy_(t.WDec.IndexSelect(0, latents).Mul(1 / t.Scale.Output));
        return rows;
    }

    public override Tensor DecoderBias(int layer) => transcoders[layer].BDec.Mul(1 / transcoders[layer].Scale.Output);

    public override Tensor Decode(int outputLayer, IReadOnlyList<Tensor> latents) => transcoders[outputLayer].Decode(latents[outputLayer]);

    public override Tensor? Skip(int layer, Tensor x)
    {
        var t = transcoders[layer];
        if (t.WSkip is null) return null;
        return x.MatMul(t.WSkip.T).Mul(t.Scale.Input / t.Scale.Output);
    }
}

/// <summary>A CrossLayerTranscoder: latents of layer l decode into every output layer l' ≥ l.</summary>
internal sealed class CltCoder(CrossLayerTranscoder clt) : ReplacementCoder
{
    public override int NLayers => clt.NLayers;
    public override int DModel => clt.DModel;
    public override int DSae => clt.DSae;
    public override string Kind => "clt";

    public override string InputHook(int layer) => HookNames.ResidMid(layer);

    public override Tensor PreActivations(int layer, Tensor x) =>
        clt.PreActivations(layer, clt.Scale.Input[layer] == 1 ? x : x * clt.Scale.Input[layer]);

    public override Tensor Encode(int layer, Tensor x) => clt.EncodeLayer(layer, x);

    public override Tensor EncoderRows(int layer, Tensor latents) =>
        clt.WEnc[layer].IndexSelect(1, latents).T.Mul(clt.Scale.Input[layer]);                // [n, D]

    public override Tensor DecoderRows(int layer, Tensor latents)
    {
        long n = latents.Size(0);
        var rows = Tensor.Zeros([n, NLayers, DModel], device: clt.Device);                    // [n, L, D]
        var dec = clt.WDec[layer].IndexSelect(0, latents);                                    // [n, L − l, D]
        for (int j = 0; j < NLayers - layer; j++)
            rows.Select(1, layer + j).Copy_(dec.Select(1, j).Mul(1 / clt.Scale.Output[layer + j]));
        return rows;
    }

    public override Tensor DecoderBias(int layer) => clt.BDec[layer].Mul(1 / clt.Scale.Output[layer]);

    public override Tensor Decode(int outputLayer, IReadOnlyList<Tensor> latents)
    {
        var y = DecoderBias(outputLayer);
        for (int l = 0; l <= outputLayer; l++)
            y = y + latents[l].MatMul(clt.WDec[l].Select(1, outputLayer - l)).Mul(1 / clt.Scale.Output[outputLayer]);
        return y;                                                                             // [T, D]
    }
}
