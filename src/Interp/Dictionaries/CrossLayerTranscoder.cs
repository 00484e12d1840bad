// CrossLayerTranscoder — Anthropic's CLT ("Circuit Tracing", Ameisen et al. 2025, §2.1): L encoders, encoder l reading
// the residual stream before MLP l; every latent of layer l decodes into the MLP output of each layer l' ≥ l:
//   f_l = σ(x_l W_enc,l + b_enc,l)                      σ = relu | jumprelu (θ_l, straight-through) | topk
//   ŷ_l' = Σ_{l ≤ l'} f_l W_dec,l→l' + b_dec,l'
//   loss = Σ_l' ‖y_l' − ŷ_l'‖² + λ Σ_l Σ_i tanh(c·‖W_dec,l,i‖_concat·f_l,i) [+ λ_P Σ ReLU(θ − pre)·‖W_dec,l,i‖_concat]
// on activations scaled so E‖x‖² = d_model per hook (CltScale), folded into the weights on save. ‖W_dec,l,i‖_concat is the
// norm of latent i's decoder vectors concatenated over its L − l output layers. Optimisers, schedules and dead-latent
// bookkeeping are the trainer's; the file layout is CltFormat's. No skip connection, no AuxK for topk.
//
// Shapes: N tokens, D = d_model, F latents per layer, L layers; W_dec,l is [F, L − l, D], W_dec,l→l' = W_dec,l[:, l' − l, :].
namespace InterpEval.Interp.Dictionaries;

public sealed class CrossLayerTranscoder : IDisposable
{
    private readonly Tensor[] _wEnc, _bEnc, _wDec, _bDec;
    private readonly Tensor[]? _logThreshold;
    private bool _disposed;

    /// <summary>Takes ownership of the weights (copied to dtype on device, then disposed). Thresholds θ ≤ 0 are stored as
    /// 0 (ReLU), which is what circuit-tracer's pre·1[pre > θ] computes for θ = 0.</summary>
    public CrossLayerTranscoder(CltConfig config, CltWeights weights, Device device, ScalarType dtype = ScalarType.Float32)
    {
        Config = config.EnsureValid();
        CheckShapes(config, weights);
        _wEnc = weights.WEnc.Select(t => Own(t, device, dtype)).ToArray();
        _bEnc = weights.BEnc.Select(t => Own(t, device, dtype)).ToArray();
        _wDec = weights.WDec.Select(t => Own(t, device, dtype)).ToArray();
        _bDec = weights.BDec.Select(t => Own(t, device, dtype)).ToArray();
        if (config.Activation == CltActivation.JumpRelu)
        {
            using var scope = DisposeScope.Enter();
            _logThreshold = weights.Thresholds!.Select(t => Own(t.Clamp(min: 0).Log(), device, dtype)).ToArray();
            foreach (var t in weights.Thresholds!) t.Dispose();
        }
        Scale = CltScale.Identity(config.NLayers);
    }

    /// <summary>Anthropic's initialisation (Circuit Tracing, §2.1 / appendix): W_enc ~ U(±1/√F), W_dec ~ U(±1/√(L·D)),
    /// zero biases; jumprelu thresholds start at initialThreshold.</summary>
    public static CrossLayerTranscoder Create(CltConfig config, ulong seed, Device device, ScalarType dtype = ScalarType.Float32,
        double initialThreshold = 0.001)
    {
        config.EnsureValid();
        using var scope = DisposeScope.Enter();
        using var generator = new Generator(seed);
        int L = config.NLayers, D = config.DModel, F = config.DSae;
        double encBound = 1 / Math.Sqrt(F), decBound = 1 / Math.Sqrt((double)L * D);
        var layers = Enumerable.Range(0, L).ToArray();
        var weights = new CltWeights(
            layers.Select(_ => Tensor.Empty([D, F]).Uniform_(-encBound, encBound, generator)).ToArray(),
            layers.Select(_ => Tensor.Zeros([F])).ToArray(),
            layers.Select(l => Tensor.Empty([F, L - l, D]).Uniform_(-decBound, decBound, generator)).ToArray(),
            layers.Select(_ => Tensor.Zeros([D])).ToArray(),
            config.Activation == CltActivation.JumpRelu ? layers.Select(_ => Tensor.Full([F], initialThreshold)).ToArray() : null);
        return new CrossLayerTranscoder(config, weights, device, dtype);
    }

    public CltConfig Config { get; private set; }
    public int NLayers => Config.NLayers;
    public int DModel => Config.DModel;
    public int DSae => Config.DSae;
    public Device Device => _wEnc[0].Device;
    public ScalarType Dtype => _wEnc[0].Dtype;

    /// <summary>Encoders W_enc,l [D, F].</summary>
    public IReadOnlyList<Tensor> WEnc => _wEnc;

    /// <summary>Encoder biases b_enc,l [F].</summary>
    public IReadOnlyList<Tensor> BEnc => _bEnc;

    /// <summary>Decoders W_dec,l [F, L − l, D] of source layer l.</summary>
    public IReadOnlyList<Tensor> WDec => _wDec;

    /// <summary>Decoder biases b_dec,l' [D] of output layer l'.</summary>
    public IReadOnlyList<Tensor> BDec => _bDec;

    /// <summary>t_l = log θ_l [F], the trained threshold parameters (jumprelu); null otherwise.</summary>
    public IReadOnlyList<Tensor>? LogThresholds => _logThreshold;

    /// <summary>The scale factors in force (identity once folded).</summary>
    public CltScale Scale { get; private set; }

    /// <summary>λ of the tanh sparsity penalty (the trainer warms it up).</summary>
    public double SparsityCoefficient { get; set; } = 1;

    /// <summary>c in tanh(c·‖W_dec,l,i‖_concat·f_l,i).</summary>
    public double TanhScale { get; set; } = 4;

    /// <summary>λ_P of the jumprelu pre-activation penalty; 0 turns it off (Anthropic, January 2025 update: 3e-6).</summary>
    public double PreActCoefficient { get; set; }

    /// <summary>ε, the rectangle-kernel bandwidth of the jumprelu straight-through estimator.</summary>
    public double Bandwidth { get; set; } = 0.001;

    /// <summary>The trainable tensors: per layer W_enc, b_enc, W_dec, b_dec (and log θ for jumprelu).</summary>
    public IReadOnlyList<Tensor> Parameters => [.. _wEnc, .. _bEnc, .. _wDec, .. _bDec, .. _logThreshold ?? []];

    /// <summary>The parameters by stable name (W_enc_{l} [D, F], b_enc_{l}, W_dec_{l}, b_dec_{l}, log_threshold_{l}), for
    /// checkpoints; the order is Parameters'.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        for (int l = 0; l < NLayers; l++) yield return new(CltWeights.WEncKey(l), _wEnc[l]);
        for (int l = 0; l < NLayers; l++) yield return new(CltWeights.BEncKey(l), _bEnc[l]);
        for (int l = 0; l < NLayers; l++) yield return new(CltWeights.WDecKey(l), _wDec[l]);
        for (int l = 0; l < NLayers; l++) yield return new(CltWeights.BDecKey(l), _bDec[l]);
        if (_logThreshold is not null)
            for (int l = 0; l < NLayers; l++) yield return new($"log_threshold_{l}", _logThreshold[l]);
    }

    /// <summary>θ_l [F] (a new tensor); jumprelu only.</summary>
    public Tensor Threshold(int layer) =>
        (_logThreshold ?? throw new InvalidOperationException($"a {Config.ActivationName} CLT has no threshold"))[layer].Exp();

    /// <summary>‖W_dec,l,i‖_concat [F]: each latent's decoder vectors to all its output layers, concatenated, then the norm
    /// (on the autograd graph: the penalty weighted by it trains the decoders too).</summary>
    public Tensor ConcatenatedDecoderNorms(int layer) => _wDec[layer].Norm(2, [1, 2]);

    /// <summary>pre_l = x̃_l W_enc,l + b_enc,l for x̃_l [N, D] already scaled → [N, F].</summary>
    public Tensor PreActivations(int layer, Tensor xScaled) => Tensor.AddMm(_bEnc[layer], xScaled, _wEnc[layer]);

    /// <summary>f_l from pre-activations [N, F].</summary>
    public Tensor Activate(int layer, Tensor pre) => Config.Activation switch
    {
        CltActivation.Relu => pre.Relu(),
        CltActivation.JumpRelu => CustomOps.JumpRelu(pre, Threshold(layer), Bandwidth),
        CltActivation.TopK => TopK(pre, Config.K!.Value),
        _ => throw new InvalidOperationException($"activation {Config.Activation}"),
    };

    /// <summary>Latents of encoder l for raw activations x [N, D] of its input hook → [N, F].</summary>
    public Tensor EncodeLayer(int layer, Tensor x)
    {
        CheckLayer(layer);
        CheckRows(x, $"inputs[{layer}]", Rows(x));
        return Activate(layer, PreActivations(layer, ScaleBy(x, Scale.Input[layer])));
    }

    /// <summary>Latents of every layer for raw inputs [N, D] per layer → [N, F] per layer.</summary>
    public IReadOnlyList<Tensor> Encode(IReadOnlyList<Tensor> inputs)
    {
        CheckLayers(inputs, "inputs");
        return Enumerable.Range(0, NLayers).Select(l => EncodeLayer(l, inputs[l])).ToArray();
    }

    /// <summary>Predictions of every output layer in raw units from latents [N, F] per layer → [N, D] per layer.</summary>
    public IReadOnlyList<Tensor> Decode(IReadOnlyList<Tensor> features)
    {
        CheckLayers(features, "features", DSae);
        var yHat = DecodeScaled(features);
        return Enumerable.Range(0, NLayers).Select(l => ScaleBy(yHat[l], 1 / Scale.Output[l])).ToArray();
    }

    /// <summary>ŷ_l' of every output layer for raw inputs (Decode ∘ Encode).</summary>
    public IReadOnlyList<Tensor> Predict(IReadOnlyList<Tensor> inputs) => Decode(Encode(inputs));

    /// <summary>The forward pass with the objective: raw inputs and targets [N, D] per layer.</summary>
    public CltOutput Forward(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> targets)
    {
        CheckLayers(inputs, "inputs");
        CheckLayers(targets, "targets", DModel, Rows(inputs[0]));
        var layers = Enumerable.Range(0, NLayers).ToArray();
        var xs = layers.Select(l => ScaleBy(inputs[l], Scale.Input[l])).ToArray();          // [N, D] per layer
        var ys = layers.Select(l => ScaleBy(targets[l], Scale.Output[l])).ToArray();        // [N, D] per layer
        var pre = layers.Select(l => PreActivations(l, xs[l])).ToArray();                   // [N, F] per layer
        var f = layers.Select(l => Activate(l, pre[l])).ToArray();                          // [N, F] per layer
        var yHat = DecodeScaled(f);                                                          // [N, D] per layer
        var msePerLayer = Tensor.Stack(layers.Select(l => (ys[l] - yHat[l]).Pow(2).Sum(1).Mean()).ToArray());  // [L]
        var parts = new CltLossParts(msePerLayer.Sum(), msePerLayer, SparsityPenalty(f), PreActPenalty(pre));
        var loss = parts.Mse;
        if (parts.Sparsity is not null) loss = loss + parts.Sparsity;
        if (parts.PreAct is not null) loss = loss + parts.PreAct;
        var (fvuPerLayer, fvu) = Fvu(ys, yHat);
        var predictions = layers.Select(l => ScaleBy(yHat[l], 1 / Scale.Output[l])).ToArray();
        return new CltOutput(predictions, f, pre, loss, parts, fvuPerLayer, fvu);
    }

    /// <summary>Σ_{l ≤ l'} f_l W_dec,l→l' + b_dec,l' on normalised units: one matmul per source layer, [N, F] × [F, (L − l)·D].</summary>
    private Tensor[] DecodeScaled(IReadOnlyList<Tensor> f)
    {
        long n = f[0].Size(0);
        var contributions = new Tensor[NLayers];                                            // [N, L − l, D] per source l
        for (int l = 0; l < NLayers; l++)
            contributions[l] = f[l].Mm(_wDec[l].View(DSae, (NLayers - l) * DModel)).View(n, NLayers - l, DModel);
        var yHat = new Tensor[NLayers];
        for (int target = 0; target < NLayers; target++)
        {
            var y = _bDec[target].Expand(n, DModel);                                         // [N, D]
            for (int source = 0; source <= target; source++) y = y + contributions[source].Select(1, target - source);
            yHat[target] = y;
        }
        return yHat;
    }

    /// <summary>λ Σ_l E Σ_i tanh(c·‖W_dec,l,i‖_concat·f_l,i) (Circuit Tracing §2.1; f ≥ 0); none for topk.</summary>
    private Tensor? SparsityPenalty(IReadOnlyList<Tensor> f)
    {
        if (Config.Activation == CltActivation.TopK) return null;
        Tensor? total = null;
        for (int l = 0; l < NLayers; l++)
        {
            var term = (f[l] * ConcatenatedDecoderNorms(l) * TanhScale).Tanh().Sum(1).Mean();
            total = total is null ? term : total + term;
        }
        return total! * SparsityCoefficient;
    }

    /// <summary>λ_P Σ_l E Σ_i ReLU(θ_l,i − pre_l,i)·‖W_dec,l,i‖_concat (jumprelu with λ_P > 0; Anthropic, January 2025).</summary>
    private Tensor? PreActPenalty(IReadOnlyList<Tensor> pre)
    {
        if (Config.Activation != CltActivation.JumpRelu || PreActCoefficient <= 0) return null;
        Tensor? total = null;
        for (int l = 0; l < NLayers; l++)
        {
            var term = ((Threshold(l) - pre[l]).Relu() * ConcatenatedDecoderNorms(l)).Sum(1).Mean();
            total = total is null ? term : total + term;
        }
        return total! * PreActCoefficient;
    }

    /// <summary>Per-layer and pooled Σ‖y − ŷ‖² / Σ‖y − ȳ‖², in float64, detached.</summary>
    private static (Tensor PerLayer, Tensor Pooled) Fvu(IReadOnlyList<Tensor> ys, IReadOnlyList<Tensor> yHat)
    {
        using var noGrad = Autograd.NoGrad();
        var residual = Tensor.Stack(ys.Select((y, l) => (y - yHat[l]).To(ScalarType.Float64).Pow(2).Sum()).ToArray());           // [L]
        var total = Tensor.Stack(ys.Select(y => { var y64 = y.To(ScalarType.Float64); return (y64 - y64.Mean(0, keepDim: true)).Pow(2).Sum(); }).ToArray());  // [L]
        return (residual / total, residual.Sum() / total.Sum());
    }

    private static Tensor TopK(Tensor pre, int k)
    {
        var top = pre.TopK(k, dim: 1);                                                       // [N, k]
        return Tensor.Zeros(pre.Shape, pre.Dtype, pre.Device).Scatter(1, top.Indices, top.Values.Relu());  // [N, F]
    }

    /// <summary>Sets every b_dec,l' to the mean of a target sample [N, D] of output layer l' (raw units).</summary>
    public void InitializeDecoderBias(IReadOnlyList<Tensor> targetSample)
    {
        CheckLayers(targetSample, "targetSample", DModel);
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        for (int l = 0; l < NLayers; l++) _bDec[l].Copy_((targetSample[l].To(ScalarType.Float64).Mean(0) * Scale.Output[l]).To(Dtype));
    }

    /// <summary>Invariant of every CLT: no NaN or infinite parameter.</summary>
    public bool WeightsAreFinite()
    {
        using var scope = DisposeScope.Enter();
        return Parameters.All(p => p.IsFinite().All().ToInt64() == 1);
    }

    /// <summary>Invariant of a jumprelu CLT: every θ is positive (false only for a file whose thresholds were ≤ 0).</summary>
    public bool ThresholdsArePositive()
    {
        using var scope = DisposeScope.Enter();
        return _logThreshold is null || Enumerable.Range(0, NLayers).All(l => Threshold(l).Gt(0).All().ToInt64() == 1);
    }

    /// <summary>Invariant of every CLT: source layer l decodes to exactly the L − l layers l … L − 1 (no layer writes
    /// backwards in depth), which the decoder shapes encode.</summary>
    public bool DecodersAreCausal() =>
        Enumerable.Range(0, NLayers).All(l => _wDec[l].Shape.SequenceEqual([(long)DSae, NLayers - l, DModel]));

    /// <summary>Puts scale factors in force; cfg.json says so until they are folded.</summary>
    public void SetScale(CltScale scale)
    {
        Scale = scale.Validate(NLayers);
        Config = Config with { NormalizeActivations = scale.IsIdentity ? DictionaryConfig.NormalizeNone : DictionaryConfig.NormalizeExpectedAverage };
    }

    /// <summary>Folds the scales into the weights so the CLT works on raw activations with scale 1; latents and
    /// predictions are unchanged (up to rounding).</summary>
    public void FoldScale()
    {
        if (Scale.IsIdentity) return;
        using (DisposeScope.Enter())
        {
            var (_, folded) = Export();
            using var noGrad = Autograd.NoGrad();
            for (int l = 0; l < NLayers; l++)
            {
                _wEnc[l].Copy_(folded.WEnc[l]);
                _wDec[l].Copy_(folded.WDec[l]);
                _bDec[l].Copy_(folded.BDec[l]);
            }
        }
        SetScale(CltScale.Identity(NLayers));
    }

    /// <summary>The config and folded weights as they go to disk (new tensors of Dtype in the current scope):
    /// W_enc,l·s_in,l; W_dec,l→l'/s_out,l'; b_dec,l'/s_out,l'; b_enc and θ unchanged (pre-activations do not move).</summary>
    internal (CltConfig Config, CltWeights Weights) Export()
    {
        using var noGrad = Autograd.NoGrad();
        var layers = Enumerable.Range(0, NLayers).ToArray();
        var outScale = Tensor.From(Scale.Output.Select(s => 1 / s).ToArray(), NLayers).To(Dtype).To(Device);  // [L]
        var weights = new CltWeights(
            layers.Select(l => _wEnc[l] * Scale.Input[l]).ToArray(),
            layers.Select(l => _bEnc[l].Clone()).ToArray(),
            layers.Select(l => _wDec[l] * outScale.Narrow(0, l, NLayers - l).View(1, NLayers - l, 1)).ToArray(),
            layers.Select(l => _bDec[l] * (1 / Scale.Output[l])).ToArray(),
            _logThreshold is null ? null : layers.Select(Threshold).ToArray());
        return (Config with { NormalizeActivations = DictionaryConfig.NormalizeNone, Dtype = "float32" }, weights);   // CltFormat writes float32
    }

    /// <summary>Writes the directory in circuit-tracer's layout plus cfg.json (last), scales folded; see CltFormat.</summary>
    public void Save(string directory) => CltFormat.Save(this, directory);

    /// <summary>Reads a CLT directory (ours, or circuit-tracer's without cfg.json); faults name the file and field.</summary>
    public static CrossLayerTranscoder Load(string directory, Device device) => CltFormat.Load(directory, device);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in Parameters) p.Dispose();
    }

    private static Tensor Own(Tensor source, Device device, ScalarType dtype)
    {
        using var scope = DisposeScope.Enter();
        var owned = source.Detach().To(dtype).To(device).Contiguous().Clone().DetachFromScopes();
        source.Dispose();
        return owned;
    }

    private static Tensor ScaleBy(Tensor t, double s) => s == 1 ? t : t * s;

    private void CheckLayer(int layer)
    {
        if (layer < 0 || layer >= NLayers) throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} is outside 0 … {NLayers - 1}");
    }

    private void CheckLayers(IReadOnlyList<Tensor> tensors, string name, int? width = null, long? rows = null)
    {
        if (tensors.Count != NLayers) throw new ArgumentException($"{name}: expected {NLayers} tensors (one per layer), got {tensors.Count}", name);
        long n = rows ?? Rows(tensors[0]);
        for (int l = 0; l < NLayers; l++) CheckRows(tensors[l], $"{name}[{l}]", n, width ?? DModel);
    }

    private static long Rows(Tensor t) => t.Dim == 2 ? t.Size(0) : -1;

    private void CheckRows(Tensor t, string name, long rows, int? width = null)
    {
        int w = width ?? DModel;
        if (t.Dim != 2 || t.Size(0) != rows || t.Size(1) != w)
            throw new ArgumentException($"{name} must be [{(rows < 0 ? "N" : rows.ToString(System.Globalization.CultureInfo.InvariantCulture))}, {w}], got {t.ShapeString}", name);
    }

    private static void CheckShapes(CltConfig c, CltWeights w)
    {
        var named = w.Named().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (key, shape) in CltWeights.Expected(c))
        {
            var t = named.GetValueOrDefault(key) ?? throw new ArgumentException($"{key} [{string.Join(", ", shape)}] is missing");
            if (!t.Shape.SequenceEqual(shape)) throw new ArgumentException($"{key} must be [{string.Join(", ", shape)}], got {t.ShapeString}");
        }
        if (w.WEnc.Count != c.NLayers || w.WDec.Count != c.NLayers || w.BEnc.Count != c.NLayers || w.BDec.Count != c.NLayers)
            throw new ArgumentException($"expected {c.NLayers} layers of weights");
    }
}
