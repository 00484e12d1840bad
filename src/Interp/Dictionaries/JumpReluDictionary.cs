// JumpReluDictionary — Rajamanoharan et al. 2024 ("Jumping ahead"): f = JumpReLU_θ(pre) = pre·H(pre − θ), θ = exp(t)
// learned per latent through the straight-through estimator (rectangle kernel, bandwidth ε; CustomOps). The sparsity
// penalty is either L0 = Σᵢ H(preᵢ − θᵢ) (the paper) or Anthropic's Σᵢ tanh(c·|fᵢ|·‖W_dec,i‖) (January 2025 update),
// optionally with Anthropic's pre-activation penalty Σᵢ ReLU(θᵢ − preᵢ)·‖W_dec,i‖ that keeps latents from dying.
namespace InterpEval.Interp.Dictionaries;

public enum JumpReluPenalty
{
    /// <summary>λ Σᵢ H(preᵢ − θᵢ) (Rajamanoharan et al. 2024, eq. 9).</summary>
    L0,

    /// <summary>λ Σᵢ tanh(c·|fᵢ|·‖W_dec,i‖) (Anthropic, "Circuits updates", January 2025).</summary>
    Tanh,
}

public sealed class JumpReluDictionary : SparseDictionary
{
    /// <summary>Takes weights with a threshold [F]; θ ≤ 0 is stored as 0 (ReLU), which is what SAELens's
    /// ReLU(pre)·1[pre > θ] computes for it.</summary>
    public JumpReluDictionary(DictionaryConfig config, DictionaryWeights weights, Device device)
        : base(config, weights with { Threshold = null }, device)
    {
        var threshold = weights.Threshold ?? throw new ArgumentException("a jumprelu dictionary needs a threshold [d_sae]");
        if (!threshold.Shape.SequenceEqual([(long)config.DSae])) throw new ArgumentException($"threshold must be [{config.DSae}], got {threshold.ShapeString}");
        using (DisposeScope.Enter())
            LogThreshold = Own(threshold.Clamp(min: 0).Log(), device);
        threshold.Dispose();
    }

    /// <summary>A fresh jumprelu: decoder rows of norm 0.1, encoder = decoderᵀ, θ = initialThreshold for every latent.</summary>
    public static JumpReluDictionary Create(DictionaryConfig config, ulong seed, Device device) => Create(config, seed, device, initialThreshold: 0.001);

    public static JumpReluDictionary Create(DictionaryConfig config, ulong seed, Device device, double initialThreshold) =>
        new(config, DictionaryInit.Random(config, seed, ReluDictionary.InitialDecoderNorm) with { Threshold = Tensor.Full([config.DSae], initialThreshold) }, device);

    /// <summary>t = log θ [F], the trained parameter (θ = exp t stays positive).</summary>
    public Tensor LogThreshold { get; }

    /// <summary>θ [F] (a new tensor).</summary>
    public Tensor Threshold() => LogThreshold.Exp();

    /// <summary>ε, the bandwidth of the rectangle kernel in the straight-through estimator (the paper uses 0.001).</summary>
    public double Bandwidth { get; set; } = 0.001;

    public JumpReluPenalty Penalty { get; set; } = JumpReluPenalty.L0;

    /// <summary>λ of the sparsity penalty (the trainer warms it up).</summary>
    public double SparsityCoefficient { get; set; } = 1;

    /// <summary>c in tanh(c·|fᵢ|·‖W_dec,i‖) (Anthropic used 4).</summary>
    public double TanhScale { get; set; } = 4;

    /// <summary>λ_P of the pre-activation penalty; 0 turns it off (Anthropic used 3e-6).</summary>
    public double PreActCoefficient { get; set; }

    public override IReadOnlyList<Tensor> Parameters => [.. base.Parameters, LogThreshold];

    /// <summary>Invariant: every θ is positive (false only for a file whose thresholds were ≤ 0).</summary>
    public bool ThresholdsArePositive()
    {
        using var scope = DisposeScope.Enter();
        return Threshold().Gt(0).All().ToInt64() == 1;
    }

    protected override Tensor Activate(Tensor pre) => CustomOps.JumpRelu(pre, Threshold(), Bandwidth);   // [N, F]

    protected override (Tensor Loss, LossParts Parts) Objective(ForwardStep s)
    {
        var theta = Threshold();                                                             // [F]
        var sparsity = SparsityCoefficient * (Penalty == JumpReluPenalty.L0
            ? CustomOps.Step(s.Pre, theta, Bandwidth).Sum(1).Mean()
            : (s.F.Abs() * DecoderRowNorms() * TanhScale).Tanh().Sum(1).Mean());
        var loss = s.Mse + sparsity;
        Tensor? preAct = null;
        if (PreActCoefficient > 0)
        {
            preAct = PreActCoefficient * ((theta - s.Pre).Relu() * DecoderRowNorms()).Sum(1).Mean();
            loss = loss + preAct;
        }
        return (loss, new LossParts(s.Mse, Sparsity: sparsity, PreAct: preAct));
    }

    protected override Tensor? ExportThreshold() => Threshold();

}
