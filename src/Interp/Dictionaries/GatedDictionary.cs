// GatedDictionary — the Gated SAE of Rajamanoharan et al. 2024 ("Improving dictionary learning with gated sparse
// autoencoders", arXiv:2404.16014), in SAELens's `gated` layout: one encoder W_enc shared by two paths, a gate
// π_gate = x W_enc + b_gate that decides which latents are on, and a magnitude π_mag = x (W_enc ⊙ exp r_mag) + b_mag
// that says how much: f = 1[π_gate > 0] ⊙ ReLU(π_mag). Training (paper eq. 8): ‖y − ŷ‖² + λ Σᵢ ReLU(π_gate,i)·‖W_dec,i‖
// + ‖y − (ReLU(π_gate) W_dec' + b_dec')‖², the last through a frozen (detached) copy of the decoder, so the gate learns
// to reconstruct on its own and the sparsity penalty does not shrink the magnitudes. The gate's step passes no
// gradient: the gate path learns only from the penalty and the auxiliary term. It leaves out the paper's resampling.
//
// Shapes: N tokens, D_in, D_out, F latents.
namespace InterpEval.Interp.Dictionaries;

public sealed class GatedDictionary : SparseDictionary
{
    public const string BGateKey = "b_gate";
    public const string RMagKey = "r_mag";
    public const string BMagKey = "b_mag";

    /// <summary>λ's default: the relu SAE's form and value (decoder-norm-weighted L1 of the gate on E‖x‖² = d).</summary>
    public const double DefaultL1Coefficient = 5;

    /// <summary>Takes W_enc, b_gate (as BEnc), W_dec, b_dec and the extras r_mag, b_mag [F].</summary>
    public GatedDictionary(DictionaryConfig config, DictionaryWeights weights, Device device) : base(config, weights, device)
    {
        var extra = weights.Extra ?? throw new ArgumentException("a gated dictionary needs r_mag and b_mag [d_sae]");
        Tensor Take(string key)
        {
            var t = extra.TryGetValue(key, out var v) ? v : throw new ArgumentException($"a gated dictionary needs {key} [d_sae]");
            if (!t.Shape.SequenceEqual([(long)config.DSae])) throw new ArgumentException($"{key} must be [{config.DSae}], got {t.ShapeString}");
            return Own(t, device);
        }
        RMag = Take(RMagKey);
        BMag = Take(BMagKey);
    }

    /// <summary>A fresh gated dictionary: decoder rows of norm 0.1, encoder = decoderᵀ, b_gate = b_mag = r_mag = 0.</summary>
    public static GatedDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        new(config, DictionaryInit.Random(config, seed, ReluDictionary.InitialDecoderNorm) with
        {
            BEncName = BGateKey,
            Extra = new Dictionary<string, Tensor> { [RMagKey] = Tensor.Zeros([config.DSae]), [BMagKey] = Tensor.Zeros([config.DSae]) },
        }, device);

    /// <summary>r_mag [F]: the magnitude path's per-latent log scale of the shared encoder.</summary>
    public Tensor RMag { get; }

    /// <summary>b_mag [F]: the magnitude path's bias (BEnc is b_gate).</summary>
    public Tensor BMag { get; }

    public override bool HasSparsityCoefficient => true;

    /// <summary>λ of the gate's sparsity penalty (the trainer warms it up).</summary>
    public override double SparsityCoefficient { get; set; } = DefaultL1Coefficient;

    protected override IEnumerable<KeyValuePair<string, Tensor>> ExtraTrainableParameters() => [new(RMagKey, RMag), new(BMagKey, BMag)];

    protected override string EncoderBiasKey => BGateKey;

    protected override IReadOnlyDictionary<string, Tensor>? ExportExtra() =>
        new Dictionary<string, Tensor> { [RMagKey] = RMag.Detach().Clone(), [BMagKey] = BMag.Detach().Clone() };

    /// <summary>pre is π_gate [N, F]; f = 1[π_gate > 0] ⊙ ReLU((π_gate − b_gate) ⊙ exp r_mag + b_mag).</summary>
    protected override Tensor Activate(Tensor pre) => Latents(pre, BEnc, RMag, BMag);

    protected override (Tensor Loss, LossParts Parts) Objective(ForwardStep s)
    {
        var (sparsity, aux) = Penalties(s.Pre, s.Y, WDec, BDec, SparsityCoefficient, WSkip is null ? null : s.X.Mm(WSkip.Detach().T));
        return (s.Mse + sparsity + aux, new LossParts(s.Mse, Sparsity: sparsity, Aux: aux));
    }

    /// <summary>The latents from the gate's pre-activations (any float dtype): [N, F].</summary>
    public static Tensor Latents(Tensor gatePre, Tensor bGate, Tensor rMag, Tensor bMag)
    {
        var magnitude = ((gatePre - bGate) * rMag.Exp() + bMag).Relu();                   // π_mag [N, F]
        return gatePre.Gt(0).To(gatePre.Dtype).Detach() * magnitude;
    }

    /// <summary>The two training terms beyond the reconstruction: λ E Σᵢ ReLU(π_gate,i)‖W_dec,i‖ and
    /// E‖y − (ReLU(π_gate) W_dec' + b_dec' [+ skip'])‖² with the decoder detached (any float dtype).</summary>
    public static (Tensor Sparsity, Tensor Aux) Penalties(Tensor gatePre, Tensor y, Tensor wDec, Tensor bDec, double l1, Tensor? skipDetached = null)
    {
        var gate = gatePre.Relu();                                                           // [N, F]
        var sparsity = (gate * wDec.Norm(2, 1)).Sum(1).Mean() * l1;
        var viaGate = Tensor.AddMm(bDec.Detach(), gate, wDec.Detach());                      // [N, D_out]
        if (skipDetached is not null) viaGate = viaGate + skipDetached;
        var aux = (y - viaGate).Pow(2).Sum(1).Mean();
        return (sparsity, aux);
    }

    /// <summary>The whole objective on explicit tensors (an sae with b_dec subtracted from the input), for checks in any
    /// dtype: ‖x − x̂‖² + λ·sparsity + aux, per token, averaged.</summary>
    public static Tensor Loss(Tensor x, Tensor wEnc, Tensor bGate, Tensor rMag, Tensor bMag, Tensor wDec, Tensor bDec, double l1)
    {
        var pre = Tensor.AddMm(bGate, x - bDec, wEnc);                                       // [N, F]
        var f = Latents(pre, bGate, rMag, bMag);
        var mse = (x - Tensor.AddMm(bDec, f, wDec)).Pow(2).Sum(1).Mean();
        var (sparsity, aux) = Penalties(pre, x, wDec, bDec, l1);
        return mse + sparsity + aux;
    }
}
