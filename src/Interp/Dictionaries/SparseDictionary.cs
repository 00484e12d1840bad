// SparseDictionary — what every architecture shares: the encoder and decoder (SAELens layouts), the optional skip of a
// skip-transcoder, activation scaling and its folding, the forward pass as a list of steps, and Save/Load through the
// registry. Each architecture supplies its activation (Activate) and its training objective (Objective). Optimisers,
// schedules, dead-latent bookkeeping and activation harvesting belong to the trainer and the activation store.
//
// Shapes: N tokens, D_in input width, D_out output width (= D_in for an sae), F latents (d_sae).
using InterpEval.Torch.SafeTensors;

namespace InterpEval.Interp.Dictionaries;

public abstract class SparseDictionary : IDisposable
{
    private bool _disposed;

    /// <summary>Takes ownership of the weights (they are copied to float32 on device, then disposed).</summary>
    protected SparseDictionary(DictionaryConfig config, DictionaryWeights weights, Device device)
    {
        Config = config.EnsureValid();
        CheckShapes(config, weights);
        WEnc = Own(weights.WEnc, device);
        BEnc = Own(weights.BEnc, device);
        WDec = Own(weights.WDec, device);
        BDec = Own(weights.BDec, device);
        WSkip = config.Kind == DictionaryKind.SkipTranscoder
            ? Own(weights.WSkip ?? throw new ArgumentException("a skip-transcoder needs W_skip [d_out, d_in]"), device)
            : null;
    }

    public DictionaryConfig Config { get; private set; }

    /// <summary>Encoder [D_in, F].</summary>
    public Tensor WEnc { get; }

    /// <summary>Encoder bias [F].</summary>
    public Tensor BEnc { get; }

    /// <summary>Decoder [F, D_out]: row i is latent i's direction.</summary>
    public Tensor WDec { get; }

    /// <summary>Decoder bias [D_out] (also subtracted from the input when ApplyBDecToInput).</summary>
    public Tensor BDec { get; }

    /// <summary>Linear skip [D_out, D_in] of a skip-transcoder (ŷ += x W_skipᵀ); null otherwise.</summary>
    public Tensor? WSkip { get; }

    /// <summary>Scale factors in force: inputs and targets are multiplied by them before the math, predictions divided.</summary>
    public ActivationScale Scale { get; private set; } = ActivationScale.Identity;

    /// <summary>log10 feature density [F], written to sparsity.safetensors when set (SAELens's "sparsity" tensor).</summary>
    public Tensor? LogFeatureDensity { get; set; }

    /// <summary>Training mode changes the activation of architectures that train differently (batchtopk).</summary>
    public bool Training { get; set; }

    /// <summary>Whether Forward may take the architecture's fused native path (relu: fused objective; topk: sparse
    /// decode and encoder gradient). Same objective and gradients as the generic path within float rounding
    /// (tests hold them to 1e-4 relative); off, every architecture takes the generic autograd path.</summary>
    public bool UseFusedKernels { get; set; } = true;

    public DictionaryKind Kind => Config.Kind;
    public int DIn => Config.DIn;
    public int DSae => Config.DSae;
    public int DOut => Config.DOut;
    public Device Device => WEnc.Device;

    /// <summary>The trainable tensors (the trainer sets RequiresGrad and hands them to Adam): the shared ones, then the
    /// architecture's extras.</summary>
    public IReadOnlyList<Tensor> Parameters => [.. NamedParameters().Select(kv => kv.Value)];

    /// <summary>The trainable tensors by their checkpoint names: W_enc, b_enc, W_dec, b_dec, W_skip (skip-transcoders),
    /// then the architecture's ExtraTrainableParameters.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        yield return new("W_enc", WEnc);
        yield return new("b_enc", BEnc);
        yield return new("W_dec", WDec);
        yield return new("b_dec", BDec);
        if (WSkip is not null) yield return new("W_skip", WSkip);
        foreach (var extra in ExtraTrainableParameters()) yield return extra;
    }

    // Training hooks: what an architecture adds to the generic training step. The trainer calls them on every
    // dictionary and never tests its type; each architecture overrides the ones it needs in its own file.

    /// <summary>The architecture's own trainable tensors beyond the shared five, by checkpoint name (jumprelu:
    /// log_threshold; gated: r_mag, b_mag).</summary>
    protected virtual IEnumerable<KeyValuePair<string, Tensor>> ExtraTrainableParameters() => [];

    /// <summary>Whether the architecture has a sparsity coefficient λ (relu, jumprelu, gated); the topk family sets
    /// sparsity with k instead.</summary>
    public virtual bool HasSparsityCoefficient => false;

    /// <summary>λ of the sparsity penalty (the trainer warms it up from 0 by setting it each step); 0 and not settable
    /// where HasSparsityCoefficient is false.</summary>
    public virtual double SparsityCoefficient
    {
        get => 0;
        set => throw new ArgumentException($"sparsity_coefficient applies to relu, jumprelu and gated; {Config.Architecture} controls sparsity with k");
    }

    /// <summary>Called once before training, with a sample of the targets [N, D_out] in raw units, after the scale is in
    /// force (topk: b_dec at their geometric median).</summary>
    public virtual void InitializeForTraining(Tensor targetSample) { }

    /// <summary>Called before each step's forward (batchtopk: whether this step's forward updates the threshold).</summary>
    public virtual void BeforeTrainingStep(int step, int totalSteps) { }

    /// <summary>Called after the backward pass, before the optimiser step (topk: removes the decoder's parallel gradient).</summary>
    public virtual void AfterBackward() { }

    /// <summary>Called after each optimiser step, and once before the first (topk: decoder rows back to unit norm).</summary>
    public virtual void AfterOptimizerStep() { }

    /// <summary>Training state beyond the parameters that a checkpoint must restore for an exact resume (batchtopk: θ and
    /// its update count), as new float64 tensors in the current scope.</summary>
    public virtual IEnumerable<KeyValuePair<string, Tensor>> SaveTrainerState() => [];

    /// <summary>Restores what SaveTrainerState wrote; require(name) returns the saved tensor or throws naming the checkpoint.</summary>
    public virtual void LoadTrainerState(Func<string, Tensor> require) { }

    /// <summary>The latents from normalised pre-activations [N, F] (the architecture's nonlinearity).</summary>
    protected abstract Tensor Activate(Tensor pre);

    /// <summary>The training objective and its parts for one forward step.</summary>
    protected abstract (Tensor Loss, LossParts Parts) Objective(ForwardStep step);

    /// <summary>The architecture's fused forward on scaled x and y, with its objective, or null when it has none for this
    /// configuration (the generic path then runs). Called only when UseFusedKernels is on and there is no skip term.</summary>
    protected virtual FusedForwardResult? FusedForward(Tensor xScaled, Tensor yScaled, Tensor? deadMask) => null;

    /// <summary>What a fused forward returns: ŷ, latents and pre-activations (scaled units), the objective and its parts.</summary>
    protected sealed record FusedForwardResult(Tensor YHat, Tensor? F, Tensor? Pre, Tensor Loss, LossParts Parts, SparseLatents? Sparse = null);

    /// <summary>Hook for state that training updates from a forward pass (batchtopk's threshold). Runs without grad.</summary>
    protected virtual void AfterTrainingForward(ForwardStep step) { }

    /// <summary>One forward pass on normalised activations, for the objective.</summary>
    /// <param name="X">Input [N, D_in], scaled.</param>
    /// <param name="Y">Target [N, D_out], scaled (X itself for an sae).</param>
    /// <param name="Pre">Pre-activations [N, F].</param>
    /// <param name="F">Latents [N, F].</param>
    /// <param name="YHat">Prediction [N, D_out], scaled.</param>
    /// <param name="Mse">E‖Y − YHat‖² per token (0-dim).</param>
    /// <param name="DeadMask">Latents the trainer counts as dead [F] (bool), or null.</param>
    protected sealed record ForwardStep(Tensor X, Tensor Y, Tensor Pre, Tensor F, Tensor YHat, Tensor Mse, Tensor? DeadMask);

    /// <summary>(x − b_dec·[apply_b_dec_to_input]) W_enc + b_enc, for x [N, D_in] already scaled.</summary>
    public Tensor PreActivations(Tensor xScaled)
    {
        var centred = Config.ApplyBDecToInput ? xScaled - BDec : xScaled;                   // [N, D_in]
        return Tensor.AddMm(BEnc, centred, WEnc);                                           // [N, F]
    }

    private Tensor DetachedPreActivations(Tensor xScaled)
    {
        using var noGrad = Autograd.NoGrad();
        return PreActivations(xScaled);                                                      // [N, F]
    }

    /// <summary>Latents of raw activations x [..., D_in] → [..., F].</summary>
    public Tensor Encode(Tensor x)
    {
        var flat = Flatten(x, DIn, "x");                                                     // [N, D_in]
        var f = Activate(PreActivations(ScaleBy(flat, Scale.Input)));                        // [N, F]
        return f.View(WithLast(x.Shape, DSae));
    }

    /// <summary>The prediction of latents f [..., F] → [..., D_out] in raw units, without the skip term.</summary>
    public Tensor Decode(Tensor f)
    {
        var flat = Flatten(f, DSae, "f");                                                    // [N, F]
        var y = ScaleBy(Tensor.AddMm(BDec, flat, WDec), 1 / Scale.Output);                   // [N, D_out]
        return y.View(WithLast(f.Shape, DOut));
    }

    /// <summary>ŷ for raw x [..., D_in] → [..., D_out]: the reconstruction of an sae, a transcoder's prediction
    /// (with the skip term of a skip-transcoder).</summary>
    public Tensor Predict(Tensor x)
    {
        var flat = Flatten(x, DIn, "x");                                                     // [N, D_in]
        var xs = ScaleBy(flat, Scale.Input);
        var y = ScaleBy(DecodeScaled(Activate(PreActivations(xs)), xs), 1 / Scale.Output);  // [N, D_out]
        return y.View(WithLast(x.Shape, DOut));
    }

    /// <summary>The forward pass with the training objective. x [N, D_in] raw; target [N, D_out] raw for a transcoder
    /// (an sae predicts x and takes none); deadMask [F] bool marks latents the trainer counts as dead (for AuxK).</summary>
    public DictionaryOutput Forward(Tensor x, Tensor? target = null, Tensor? deadMask = null)
    {
        CheckBatch(x, target, deadMask);
        var xs = ScaleBy(x, Scale.Input);                                                    // [N, D_in]
        var ys = target is null ? xs : ScaleBy(target, Scale.Output);                        // [N, D_out]
        if (UseFusedKernels && WSkip is null && FusedForward(xs, ys, deadMask) is { } fused)
        {
            var yHatRaw = ScaleBy(fused.YHat, 1 / Scale.Output);                             // [N, D_out]
            if (fused.Sparse is not { } sparse)
                return new DictionaryOutput(yHatRaw, fused.F!, fused.Pre!, fused.Loss, fused.Parts);
            Func<Tensor> lazyPre = fused.Pre is { } p ? () => p : () => DetachedPreActivations(xs);
            return new DictionaryOutput(yHatRaw, sparse, lazyPre, fused.Loss, fused.Parts);
        }
        var pre = PreActivations(xs);                                                        // [N, F]
        var f = Activate(pre);                                                               // [N, F]
        var yHat = DecodeScaled(f, xs);                                                      // [N, D_out]
        var mse = (ys - yHat).Pow(2).Sum(1).Mean();
        var step = new ForwardStep(xs, ys, pre, f, yHat, mse, deadMask);
        var (loss, parts) = Objective(step);
        if (Training)
        {
            using var noGrad = Autograd.NoGrad();
            AfterTrainingForward(step);
        }
        return new DictionaryOutput(ScaleBy(yHat, 1 / Scale.Output), f, pre, loss, parts);
    }

    /// <summary>f W_dec + b_dec (+ x W_skipᵀ) on scaled activations: [N, F], [N, D_in] → [N, D_out].</summary>
    protected Tensor DecodeScaled(Tensor f, Tensor xScaled)
    {
        var y = Tensor.AddMm(BDec, f, WDec);                                                 // [N, D_out]
        return WSkip is null ? y : y + xScaled.Mm(WSkip.T);
    }

    /// <summary>‖W_dec,i‖ for every latent [F] (on the autograd graph: penalties weighted by it train the decoder too).</summary>
    public Tensor DecoderRowNorms() => WDec.Norm(2, 1);

    /// <summary>Invariant of topk/batchtopk training: every decoder row has norm 1 within tol.</summary>
    public bool DecoderRowsAreUnitNorm(double tol)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        return (DecoderRowNorms() - 1).Abs().Max().ToDouble() <= tol;
    }

    /// <summary>Invariant of every dictionary: no NaN or infinite parameter.</summary>
    public bool WeightsAreFinite()
    {
        using var scope = DisposeScope.Enter();
        return Parameters.All(p => p.IsFinite().All().ToInt64() == 1);
    }

    /// <summary>Puts scale factors in force (training on normalised activations, or a SAELens file saved with
    /// "expected_average_only_in" and a known factor); cfg.json says so until they are folded.</summary>
    public void SetScale(ActivationScale scale)
    {
        Scale = scale.Validate(Kind);
        Config = Config with { NormalizeActivations = scale.IsIdentity ? DictionaryConfig.NormalizeNone : DictionaryConfig.NormalizeExpectedAverage };
    }

    /// <summary>Folds the scale factors into the weights (W_enc·s_in, W_dec/s_out, b_dec/s_out, W_skip·s_in/s_out) so the
    /// dictionary works on raw activations with scale 1; latents and predictions are unchanged (up to rounding).</summary>
    public void FoldScale()
    {
        if (Scale.IsIdentity) return;
        using (Autograd.NoGrad())
        {
            WEnc.Mul_(Scale.Input);
            WDec.Mul_(1 / Scale.Output);
            BDec.Mul_(1 / Scale.Output);
            WSkip?.Mul_(Scale.Input / Scale.Output);
        }
        SetScale(ActivationScale.Identity);
    }

    /// <summary>Sets b_dec to the geometric median of a target sample [N, D_out] (raw units) — Gao et al. 2024, App. A.1.</summary>
    public void InitializeDecoderBias(Tensor targetSample)
    {
        using var scope = DisposeScope.Enter();
        var median = GeometricMedian.Compute(Flatten(targetSample, DOut, "targetSample"));   // [D_out] float64
        using var noGrad = Autograd.NoGrad();
        BDec.Copy_((median * Scale.Output).To(ScalarType.Float32));
    }

    /// <summary>The config and folded weights as they go to disk (new tensors in the current scope). Architectures with
    /// more state (a threshold) or a different saved form (batchtopk → jumprelu) extend it.</summary>
    internal (DictionaryConfig Config, DictionaryWeights Weights) Export()
    {
        using var noGrad = Autograd.NoGrad();
        var weights = new DictionaryWeights(
            WEnc * Scale.Input, BEnc.Clone(), WDec * (1 / Scale.Output), BDec * (1 / Scale.Output),
            WSkip is null ? null : WSkip * (Scale.Input / Scale.Output), ExportThreshold())
        {
            BEncName = EncoderBiasKey, Extra = ExportExtra(),
        };
        // Folded weights work on raw activations. A file loaded with SAELens's "expected_average_only_in" and no scale
        // put in force still expects scaled inputs (SAELens keeps the factor outside the file): it keeps saying so.
        var config = Scale.IsIdentity ? ExportConfig() : ExportConfig() with { NormalizeActivations = DictionaryConfig.NormalizeNone };
        return (config, weights);
    }

    /// <summary>The file key of the encoder bias (gated: b_gate).</summary>
    protected virtual string EncoderBiasKey => DictionaryWeights.BEncKey;

    /// <summary>The architecture's own [F] tensors to save, new tensors in the current scope (gated: r_mag, b_mag); they
    /// live in pre-activation space, so scale folding leaves them unchanged.</summary>
    protected virtual IReadOnlyDictionary<string, Tensor>? ExportExtra() => null;

    /// <summary>The threshold [F] to save (jumprelu, batchtopk); null when the architecture has none.</summary>
    protected virtual Tensor? ExportThreshold() => null;

    /// <summary>The config to save (batchtopk saves itself as a jumprelu).</summary>
    protected virtual DictionaryConfig ExportConfig() => Config;

    /// <summary>Writes cfg.json, sae_weights.safetensors and (when LogFeatureDensity is set) sparsity.safetensors,
    /// each atomically, weights folded so the files work on raw activations.</summary>
    public void Save(string directory) => DictionaryFormat.Save(this, directory);

    /// <summary>Loads a dictionary directory (ours or SAELens's) through the registry; faults name the file and field.</summary>
    public static SparseDictionary Load(string directory, Device device) => DictionaryFormat.Load(directory, device);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in Parameters) p.Dispose();
        LogFeatureDensity?.Dispose();
        DisposeExtra();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes state that is not in Parameters.</summary>
    protected virtual void DisposeExtra() { }

    /// <summary>A long-lived float32 copy on device, outside every dispose scope; the source is disposed.</summary>
    protected static Tensor Own(Tensor source, Device device)
    {
        using var scope = DisposeScope.Enter();
        var owned = source.Detach().To(ScalarType.Float32).To(device).Contiguous().Clone().DetachFromScopes();
        source.Dispose();
        return owned;
    }

    protected static Tensor ScaleBy(Tensor t, double s) => s == 1 ? t : t * s;

    private static long[] WithLast(long[] shape, long last)
    {
        shape[^1] = last;
        return shape;
    }

    private static Tensor Flatten(Tensor t, int width, string name)
    {
        if (t.Dim < 1 || t.Size(-1) != width)
            throw new ArgumentException($"{name} must be [..., {width}], got {t.ShapeString}", name);
        return t.Reshape(-1, width);
    }

    private void CheckBatch(Tensor x, Tensor? target, Tensor? deadMask)
    {
        if (x.Dim != 2 || x.Size(1) != DIn) throw new ArgumentException($"x must be [N, {DIn}], got {x.ShapeString}", nameof(x));
        if (Kind.IsTranscoder() && target is null)
            throw new ArgumentException($"a {Kind.Name()} predicts another hook: pass its activations as target [N, {DOut}]", nameof(target));
        if (!Kind.IsTranscoder() && target is not null)
            throw new ArgumentException("an sae predicts its own input: pass no target", nameof(target));
        if (target is not null && (target.Dim != 2 || target.Size(0) != x.Size(0) || target.Size(1) != DOut))
            throw new ArgumentException($"target must be [{x.Size(0)}, {DOut}], got {target.ShapeString}", nameof(target));
        if (deadMask is not null && (deadMask.Dim != 1 || deadMask.Size(0) != DSae || deadMask.Dtype != ScalarType.Bool))
            throw new ArgumentException($"deadMask must be bool [{DSae}], got {deadMask.Dtype} {deadMask.ShapeString}", nameof(deadMask));
    }

    private static void CheckShapes(DictionaryConfig c, DictionaryWeights w)
    {
        foreach (var (key, shape) in DictionaryWeights.Expected(c, hasThreshold: false, w.BEncName))
        {
            var t = w.Named().FirstOrDefault(kv => kv.Key == key).Value
                ?? throw new ArgumentException($"{key} [{string.Join(", ", shape)}] is missing");
            if (!t.Shape.SequenceEqual(shape))
                throw new ArgumentException($"{key} must be [{string.Join(", ", shape)}], got {t.ShapeString}");
        }
    }
}
