// BatchTopKDictionary — Bussmann et al. 2024 ("BatchTopK sparse autoencoders"): in training, keep the k·B largest
// ReLU pre-activations over the whole batch of B tokens (k per token on average); at inference, keep latents whose
// activation exceeds one threshold θ, estimated from the smallest activation the batch top-k kept (dictionary_learning,
// SAELens): a plain mean of those minima for the first 1/rate updates, then an exponential average at the rate
// (SAELens's 0.01), so θ follows the trained dictionary, not the untrained one. Updates start halfway through training
// (BeforeTrainingStep sets UpdateThreshold). It trains like topk (unit-norm decoder, AuxK) and is saved as a JumpReLU with θ for every latent
// (as SAELens saves it).
namespace InterpEval.Interp.Dictionaries;

public class BatchTopKDictionary : TopKDictionary
{
    public BatchTopKDictionary(DictionaryConfig config, DictionaryWeights weights, Device device) : base(config, weights, device) { }

    /// <summary>A fresh batchtopk dictionary (topk's initialisation); its threshold is unset until training estimates it.</summary>
    public static new BatchTopKDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        new(config, DictionaryInit.Random(config, seed, decoderNorm: 1), device);

    /// <summary>The inference threshold θ; negative while unset (no training forward has run).</summary>
    public double Threshold { get; set; } = -1;

    /// <summary>SAELens's topk_threshold_lr: an exponential average with a window of about 100 updates.</summary>
    public const double DefaultThresholdRate = 0.01;

    /// <summary>r in θ ← θ + max(r, 1/n)·(min − θ) at the n-th update: the mean of the first 1/r minima, then an
    /// exponential average at rate r.</summary>
    public double ThresholdRate { get; set; } = DefaultThresholdRate;

    /// <summary>n, the updates θ has had (part of a checkpoint: the weight of the next one depends on it).</summary>
    public long ThresholdUpdates { get; set; }

    /// <summary>Whether training forwards update θ (the trainer starts them after a warm-up: the untrained dictionary's
    /// minima would otherwise dominate the estimate).</summary>
    public bool UpdateThreshold { get; set; } = true;

    /// <summary>The first step whose forward updates θ: the second half of the run. Earlier minima belong to a dictionary
    /// still far from its final one (at step 0 it is the untrained one).</summary>
    public static int ThresholdStartStep(int totalSteps) => totalSteps / 2;

    /// <summary>The checkpoint name of [θ, updates] (float64).</summary>
    public const string ThresholdStateKey = "batchtopk_threshold";

    public override void BeforeTrainingStep(int step, int totalSteps) => UpdateThreshold = step >= ThresholdStartStep(totalSteps);

    public override IEnumerable<KeyValuePair<string, Tensor>> SaveTrainerState() =>
        [new(ThresholdStateKey, Tensor.From(new double[] { Threshold, ThresholdUpdates }, 2))];

    /// <summary>Restores [θ, updates]; a checkpoint holding θ alone counts as long past the plain-mean phase.</summary>
    public override void LoadTrainerState(Func<string, Tensor> require)
    {
        var t = require(ThresholdStateKey).ToArray<double>();                               // [θ, updates]
        (Threshold, ThresholdUpdates) = (t[0], t.Length > 1 ? (long)t[1] : long.MaxValue / 2);
    }

    /// <summary>Invariant once trained: θ is set (≥ 0).</summary>
    public bool ThresholdIsSet => Threshold >= 0;

    /// <summary>Training: batch top-(k·B) of ReLU(pre). Inference: ReLU(pre)·1[pre > θ].</summary>
    protected override Tensor Activate(Tensor pre)
    {
        if (Training) return BatchTopK(pre);
        if (!ThresholdIsSet) throw new InvalidOperationException("batchtopk has no inference threshold yet: train it (training forwards estimate θ) or set Threshold");
        return pre.Relu() * pre.Gt(Threshold).To(ScalarType.Float32);                        // [N, F]
    }

    /// <summary>The k·N largest entries of ReLU(pre) [N, F] over the whole batch; every other entry 0.</summary>
    private Tensor BatchTopK(Tensor pre)
    {
        var flat = pre.Relu().Flatten();                                                     // [N·F]
        var top = flat.TopK(K * pre.Size(0), dim: 0, sorted: false);                         // [k·N]
        return Tensor.Zeros(flat.Shape, device: pre.Device).Scatter(0, top.Indices, top.Values).View(pre.Shape);
    }

    /// <summary>θ ← θ + max(rate, 1/n)·(m − θ), m the smallest positive kept activation of this batch (n = 1: θ = m).</summary>
    protected override void AfterTrainingForward(ForwardStep step)
    {
        if (!UpdateThreshold) return;
        using var scope = DisposeScope.Enter();
        var positive = step.F.MaskedSelect(step.F.Gt(0));
        if (positive.NumEl == 0) return;
        UpdateThresholdWith(positive.Min().ToDouble());
    }

    /// <summary>One update of θ with the batch minimum m (what a training forward does).</summary>
    public void UpdateThresholdWith(double m)
    {
        ThresholdUpdates++;
        double weight = Math.Max(ThresholdRate, 1.0 / ThresholdUpdates);
        Threshold = ThresholdUpdates == 1 ? m : Threshold + weight * (m - Threshold);
    }

    /// <summary>Saved as a JumpReLU: the same inference function, θ for every latent.</summary>
    protected override DictionaryConfig ExportConfig() =>
        Config with { Architecture = "jumprelu", K = null, ConvertedFrom = Config.Architecture };

    protected override Tensor? ExportThreshold()
    {
        if (!ThresholdIsSet) throw new InvalidOperationException("batchtopk cannot be saved before its threshold is estimated (it is saved as a JumpReLU with that threshold)");
        return Tensor.Full([DSae], Threshold, device: Device);
    }
}
