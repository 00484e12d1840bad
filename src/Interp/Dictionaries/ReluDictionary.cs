// ReluDictionary — the "standard" SAE of Anthropic's April 2024 update: f = ReLU((x − b_dec) W_enc + b_enc),
// x̂ = f W_dec + b_dec, trained on ‖x − x̂‖² + λ Σᵢ fᵢ ‖W_dec,i‖ with no unit-norm constraint on the decoder (the
// penalty's decoder-norm weight stops the model shrinking f by growing W_dec). λ warm-up is the trainer's: it sets
// SparsityCoefficient each step. Forward takes the fused native objective (SparseOps.ReluSaeObjective) unless a skip term or
// UseFusedKernels = false says otherwise; once a batch's latent density falls below SparseDensityThreshold that objective
// decodes and differentiates sparsely and the latents come back as (values, indices).
namespace InterpEval.Interp.Dictionaries;

public sealed class ReluDictionary : SparseDictionary
{
    /// <summary>Anthropic's initial decoder row norm (April 2024 update: "W_d columns … fixed L2 norm" of 0.1).</summary>
    public const double InitialDecoderNorm = 0.1;

    public ReluDictionary(DictionaryConfig config, DictionaryWeights weights, Device device) : base(config, weights, device) { }

    /// <summary>A fresh relu dictionary: decoder rows of norm 0.1 in random directions, encoder = decoderᵀ, zero biases.</summary>
    public static ReluDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        new(config, DictionaryInit.Random(config, seed, InitialDecoderNorm), device);

    /// <summary>λ's default (Anthropic used 5 on activations normalised to E‖x‖² = d_in).</summary>
    public const double DefaultSparsityCoefficient = 5;

    public override bool HasSparsityCoefficient => true;

    /// <summary>λ of the decoder-norm-weighted L1 penalty (the trainer warms it up).</summary>
    public override double SparsityCoefficient { get; set; } = DefaultSparsityCoefficient;

    /// <summary>The latent density (fraction of latents above zero, estimated on at most 512 evenly spaced tokens of the batch) below which
    /// the fused objective takes its sparse path (TopK's sparse decode and gradients); 0 keeps every batch dense. At
    /// d_in 256, 16384 latents the sparse step is the faster one well above this density (docs/benchmarks.md).</summary>
    public double SparseDensityThreshold { get; set; } = DefaultSparseDensityThreshold;

    /// <summary>The default of <see cref="SparseDensityThreshold"/>: L0 below 2 % of the width.</summary>
    public const double DefaultSparseDensityThreshold = 0.02;

    protected override Tensor Activate(Tensor pre) => pre.Relu();                           // [N, F]

    /// <summary>The same objective as <see cref="Objective"/> in one native function with a hand-written backward.</summary>
    protected override FusedForwardResult? FusedForward(Tensor xScaled, Tensor yScaled, Tensor? deadMask)
    {
        var t = SparseOps.ReluSaeObjective(xScaled, yScaled, WEnc, BEnc, WDec, BDec, SparsityCoefficient, Config.ApplyBDecToInput, SparseDensityThreshold);
        var parts = new LossParts(t.Mse, Sparsity: t.Sparsity);
        return t.Indices is { } indices
            ? new FusedForwardResult(t.YHat, null, t.PreActivations, t.Loss, parts, new SparseLatents(t.Features, indices, DSae))
            : new FusedForwardResult(t.YHat, t.Features, t.PreActivations, t.Loss, parts);
    }

    /// <summary>mse + λ E Σᵢ fᵢ ‖W_dec,i‖ (f ≥ 0, so this is the decoder-norm-weighted L1).</summary>
    protected override (Tensor Loss, LossParts Parts) Objective(ForwardStep s)
    {
        var sparsity = (s.F * DecoderRowNorms()).Sum(1).Mean() * SparsityCoefficient;            // 0-dim
        return (s.Mse + sparsity, new LossParts(s.Mse, Sparsity: sparsity));
    }
}
