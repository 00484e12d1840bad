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

    /// <summary>θ₀ for activations scaled to E‖x‖² = d_in. With decoder rows of norm 0.1 and W_enc = W_decᵀ a fresh
    /// latent's pre-activation has a spread of about 0.1 (‖w‖·‖x‖/√d), so θ₀ = 0.1 starts each latent firing on roughly a
    /// sixth of the tokens instead of half, and inside the kernel's reach (SAELens: 0.01; Anthropic's setup: 0.1).</summary>
    public const double DefaultThresholdInit = 0.1;

    /// <summary>ε for that scaling: wide enough that a sizeable share of pre-activations (spread ≈ 0.1) lies within ε/2
    /// of θ and feeds its gradient (SAELens: 0.05; the paper's 0.001 was for unnormalised Gemma activations).</summary>
    public const double DefaultBandwidth = 0.1;

    /// <summary>A fresh jumprelu: decoder rows of norm 0.1, encoder = decoderᵀ, θ = DefaultThresholdInit for every latent.</summary>
    public static JumpReluDictionary Create(DictionaryConfig config, ulong seed, Device device) => Create(config, seed, device, DefaultThresholdInit);

    public static JumpReluDictionary Create(DictionaryConfig config, ulong seed, Device device, double initialThreshold) =>
        new(config, DictionaryInit.Random(config, seed, ReluDictionary.InitialDecoderNorm) with { Threshold = Tensor.Full([config.DSae], initialThreshold) }, device);

    /// <summary>t = log θ [F], the trained parameter (θ = exp t stays positive).</summary>
    public Tensor LogThreshold { get; }

    /// <summary>θ [F] (a new tensor).</summary>
    public Tensor Threshold() => LogThreshold.Exp();

    /// <summary>ε, the bandwidth of the rectangle kernel in the straight-through estimator (DefaultBandwidth).</summary>
    public double Bandwidth { get; set; } = DefaultBandwidth;

    /// <summary>Whether the L0 penalty's pseudo-derivative also reaches the pre-activations, ∂H(pre − θ)/∂pre :=
    /// (1/ε)·K((pre − θ)/ε), so the encoder itself learns to keep latents below θ (Anthropic, January 2025; the paper
    /// passes it to θ only). Off, the L0 term moves only t = log θ, which Adam shifts by about the learning rate per
    /// step, so short runs cannot sparsify and λ barely matters.</summary>
    public bool InputGradient { get; set; } = true;

    public JumpReluPenalty Penalty { get; set; } = JumpReluPenalty.L0;

    /// <summary>λ of the penalty by default. On the embedded model's residual stream (width 256, 150 steps of 1024
    /// tokens, learning rate 1e-3) the L0 penalty gave L0 21 (8 % of the width, FVU 0.28) at λ = 0.3, 1.7 at λ = 1
    /// and 0 at λ = 3; see docs/dictionaries.md.</summary>
    public const double DefaultSparsityCoefficient = 0.3;

    public override bool HasSparsityCoefficient => true;

    /// <summary>λ of the sparsity penalty (the trainer warms it up).</summary>
    public override double SparsityCoefficient { get; set; } = DefaultSparsityCoefficient;

    /// <summary>c in tanh(c·|fᵢ|·‖W_dec,i‖) (Anthropic used 4).</summary>
    public double TanhScale { get; set; } = 4;

    /// <summary>λ_P of the pre-activation penalty; 0 turns it off (Anthropic used 3e-6).</summary>
    public double PreActCoefficient { get; set; }

    /// <summary>The checkpoint name of t = log θ.</summary>
    public const string LogThresholdKey = "log_threshold";

    protected override IEnumerable<KeyValuePair<string, Tensor>> ExtraTrainableParameters() => [new(LogThresholdKey, LogThreshold)];

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
            ? L0Count(s.Pre, theta).Sum(1).Mean()
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

    /// <summary>H(pre − θ) [N, F] with the straight-through gradients: to θ always, to pre when InputGradient. The input
    /// term is g·pre − (g·pre) detached with g = K((pre − θ)/ε)/ε held constant: it adds exactly 0 to the value and
    /// exactly g to ∂/∂pre.</summary>
    internal Tensor L0Count(Tensor pre, Tensor theta) => L0Count(pre, theta, Bandwidth, InputGradient);

    /// <summary>L0Count for any ε and input-gradient choice (a latent-sharded slice calls it on its own latents).</summary>
    internal static Tensor L0Count(Tensor pre, Tensor theta, double bandwidth, bool inputGradient)
    {
        var step = CustomOps.Step(pre, theta, bandwidth);                                     // [N, F]
        if (!inputGradient) return step;
        Tensor kernel;                                                                       // [N, F]
        using (Autograd.NoGrad())
            kernel = (pre.Detach() - theta.Detach()).Div(bandwidth).Abs().Lt(0.5).To(pre.Dtype).Div(bandwidth);
        var through = pre * kernel;
        return step + (through - through.Detach());
    }

}
