// TopKDictionary — Gao et al. 2024 ("Scaling and evaluating sparse autoencoders"): f = TopK_k(ReLU(pre)), keeping
// the k largest latents per token. Decoder rows are kept at unit norm (AfterBackward removes the parallel gradient before each
// step and AfterOptimizerStep renormalises after it); dead latents are revived by the AuxK loss (App. A.2); the
// encoder starts as the decoder's transpose and b_dec at the geometric median of a sample (App. A.1). The objective is
// sparsify's: FVU + α·AuxK, both normalised by the batch's total variance. Forward takes the sparse kernels
// (SparseOps: encoder GEMM streamed through topk on CPU, sparse decode, sparse encoder/decoder gradients, AuxK read at
// k_aux latents)
// unless UseFusedKernels is off; its latents then come back as (values, indices), densified (detached, no gradient
// through them) only when a caller reads DictionaryOutput.Features.
namespace InterpEval.Interp.Dictionaries;

public class TopKDictionary : SparseDictionary
{
    public TopKDictionary(DictionaryConfig config, DictionaryWeights weights, Device device) : base(config, weights, device) { }

    /// <summary>A fresh topk dictionary: unit-norm decoder rows in random directions, encoder = decoderᵀ, zero biases.</summary>
    public static TopKDictionary Create(DictionaryConfig config, ulong seed, Device device) =>
        new(config, DictionaryInit.Random(config, seed, decoderNorm: 1), device);

    /// <summary>Latents kept per token.</summary>
    public int K => Config.K!.Value;

    /// <summary>α, the AuxK coefficient (Gao et al. 2024, App. A.2: 1/32).</summary>
    public double AuxKCoefficient { get; set; } = 1.0 / 32;

    /// <summary>k_aux, the dead latents AuxK reconstructs the residual from; null = d_out / 2 (the paper's heuristic,
    /// "a power of two close to d_model / 2"; sparsify uses d_out / 2).</summary>
    public int? KAux { get; set; }

    /// <summary>TopK of ReLU(pre): the k largest pre-activations per token, negatives zeroed; the rest 0.</summary>
    protected override Tensor Activate(Tensor pre)
    {
        var top = pre.TopK(K, dim: 1);                                                       // [N, k] values, indices
        return Tensor.Zeros(pre.Shape, device: pre.Device).Scatter(1, top.Indices, top.Values.Relu());  // [N, F]
    }

    /// <summary>The sparse path: the same objective as the generic one, never differentiating a dense [N, F] tensor.
    /// Only plain topk takes it (batchtopk's activation is over the batch). On CPU the encoder is streamed (no [N, F]
    /// pre-activations at all; AuxK's dead latents are chosen in the same pass) and the output's PreActivations are
    /// recomputed only if read; elsewhere the dense pre-activations come back from the encoder.</summary>
    protected override FusedForwardResult? FusedForward(Tensor xScaled, Tensor yScaled, Tensor? deadMask)
    {
        if (GetType() != typeof(TopKDictionary)) return null;
        var xc = Config.ApplyBDecToInput ? xScaled - BDec : xScaled;                        // [N, D_in]
        var aux = AuxKPlan(deadMask);
        Tensor values, indices;                                                              // [N, k] ×2
        Tensor? pre = null, auxIdx = null;                                                   // [N, F], [N, k_aux]
        if (xc.Device.Type == DeviceType.Cpu)
        {
            var enc = SparseOps.TopKEncodeStreamed(xc, WEnc.T, BEnc, K, aux is null ? null : deadMask, aux?.KAux ?? 0);
            (values, indices, auxIdx) = (enc.Values, enc.Indices, enc.AuxIndices);
        }
        else
        {
            var enc = SparseOps.TopKEncodeWithPre(xc, WEnc.T, BEnc, K);
            (values, indices, pre) = (enc.Values, enc.Indices, enc.PreActivations);
            if (aux is not null)
                using (Autograd.NoGrad())
                    auxIdx = pre.Relu().MaskedFill(deadMask!.To(pre.Device).LogicalNot(), double.NegativeInfinity).TopK(aux.KAux, dim: 1).Indices;
        }
        var yHat = SparseOps.TopKDecode(values, indices, WDec) + BDec;                      // [N, D_out]
        var totalVariance = TotalVariance(yScaled);
        var residual = yScaled - yHat;                                                       // [N, D_out]
        var mse = residual.Pow(2).Sum(1).Mean();
        var fvu = residual.Pow(2).Sum() / totalVariance;
        var auxk = aux is null ? Tensor.Scalar(0, device: yScaled.Device) : SparseAuxKLoss(xc, auxIdx!, aux.Scale, yScaled, yHat, totalVariance);
        var latents = new SparseLatents(values, indices, DSae);                              // densified only on demand
        return new FusedForwardResult(yHat, null, pre, fvu + auxk, new LossParts(mse, Fvu: fvu, AuxK: auxk), latents);
    }

    /// <summary>AuxK's k_aux and scale for a dead mask; null when no latent is dead (the loss is then 0).</summary>
    private AuxKSettings? AuxKPlan(Tensor? deadMask)
    {
        long dead = deadMask is null ? 0 : deadMask.Sum().ToInt64();
        if (dead == 0) return null;
        int kAuxTarget = KAux ?? Math.Max(1, DOut / 2);
        return new AuxKSettings((int)Math.Min(kAuxTarget, dead), Math.Min((double)dead / kAuxTarget, 1));
    }

    private sealed record AuxKSettings(int KAux, double Scale);

    /// <summary><see cref="AuxKLoss"/> on the sparse path: the dead latents (auxIdx [N, k_aux], chosen on the detached
    /// pre-activations exactly as there) read through the encoder at those latents only and decoded sparsely.</summary>
    private Tensor SparseAuxKLoss(Tensor xc, Tensor auxIdx, double scale, Tensor y, Tensor yHat, Tensor totalVariance)
    {
        var auxValues = SparseOps.GatherEncode(xc, WEnc.T, BEnc, auxIdx).Relu();            // [N, k_aux]
        var eHat = SparseOps.TopKDecode(auxValues, auxIdx, WDec);                            // [N, D_out]
        var e = (y - yHat).Detach();
        return (eHat - e).Pow(2).Sum() / totalVariance * (AuxKCoefficient * scale);
    }

    /// <summary>FVU + AuxK, each Σ over the batch divided by Σ‖y − ȳ‖² (sparsify's normalisation).</summary>
    protected override (Tensor Loss, LossParts Parts) Objective(ForwardStep s)
    {
        var totalVariance = TotalVariance(s.Y);                                              // 0-dim
        var fvu = (s.Y - s.YHat).Pow(2).Sum() / totalVariance;
        var auxk = AuxKLoss(s, totalVariance);
        return (fvu + auxk, new LossParts(s.Mse, Fvu: fvu, AuxK: auxk));
    }

    /// <summary>Gao et al. 2024, App. A.2: reconstruct the residual e = y − ŷ (detached) from the top-k_aux dead
    /// latents, ê = f_aux W_dec (no bias); loss = α · min(dead / k_aux, 1) · Σ‖e − ê‖² / Σ‖y − ȳ‖² (the scale
    /// factor is sparsify's: it softens the loss while few latents are dead). Zero when no latent is dead.</summary>
    private Tensor AuxKLoss(ForwardStep s, Tensor totalVariance)
    {
        long dead = s.DeadMask is null ? 0 : s.DeadMask.Sum().ToInt64();
        if (dead == 0) return Tensor.Scalar(0, device: s.Y.Device);
        int kAuxTarget = KAux ?? Math.Max(1, DOut / 2);
        int kAux = (int)Math.Min(kAuxTarget, dead);
        double scale = Math.Min((double)dead / kAuxTarget, 1);
        var deadPre = s.Pre.Relu().MaskedFill(s.DeadMask!.LogicalNot(), double.NegativeInfinity);   // [N, F]
        var top = deadPre.TopK(kAux, dim: 1);                                                // [N, k_aux]
        var fAux = Tensor.Zeros(s.Pre.Shape, device: s.Pre.Device).Scatter(1, top.Indices, top.Values);  // [N, F]
        var eHat = fAux.Mm(WDec);                                                            // [N, D_out]
        var e = (s.Y - s.YHat).Detach();                                                     // [N, D_out]
        return (eHat - e).Pow(2).Sum() / totalVariance * (AuxKCoefficient * scale);
    }

    /// <summary>Σ‖y − ȳ‖² over a batch [N, D] (needs N ≥ 2: one token has no variance).</summary>
    private static Tensor TotalVariance(Tensor y)
    {
        if (y.Size(0) < 2) throw new ArgumentException($"topk's objective is normalised by the batch variance: pass at least 2 tokens, got {y.ShapeString}");
        return (y - y.Mean(0, keepDim: true)).Pow(2).Sum();
    }

    /// <summary>b_dec starts at the geometric median of the targets (Gao et al. 2024, App. A.1).</summary>
    public override void InitializeForTraining(Tensor targetSample) => InitializeDecoderBias(targetSample);

    /// <summary>Keeps a step tangential to the unit sphere of each decoder row.</summary>
    public override void AfterBackward() => RemoveParallelDecoderGradient();

    /// <summary>Puts decoder rows back on the unit sphere.</summary>
    public override void AfterOptimizerStep() => NormalizeDecoderRows();

    /// <summary>Removes from W_dec's gradient the component parallel to each row: gᵢ ← gᵢ − (gᵢ·wᵢ) wᵢ (rows assumed unit
    /// norm), so a step moves rows tangentially to the unit sphere (Gao et al. 2024; sparsify, dictionary_learning).</summary>
    public void RemoveParallelDecoderGradient()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var grad = WDec.Grad ?? throw new InvalidOperationException("W_dec has no gradient: call Backward first");
        var parallel = (grad * WDec).Sum(1, keepDim: true);                                  // [F, 1]
        grad.Sub_(parallel * WDec);
    }

    /// <summary>Rescales every decoder row to unit norm (after an optimiser step).</summary>
    public void NormalizeDecoderRows()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        WDec.Div_(WDec.Norm(2, 1, keepDim: true).Clamp(min: 1e-12));
    }
}
