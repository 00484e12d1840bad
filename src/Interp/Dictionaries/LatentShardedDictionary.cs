// LatentShardedDictionary — one rank's slice of a dictionary whose latents are split over a process group (tensor
// parallel): rank r holds latents r·F/W … (r+1)·F/W (W_enc columns, b_enc entries, W_dec rows; b_dec on every rank).
// TopK selects globally and exactly: each rank's k best pre-activations are all-gathered and the global k chosen
// (the global top-k lies within the union of the ranks' top-k); ReLU and JumpReLU need no selection. Every rank then
// decodes its own active latents and one all_reduce sums the partial reconstructions. Save gathers the slices into
// one ordinary dictionary directory on rank 0. Training (topk, batchtopk, relu, jumprelu): TrainingForward gives each rank a loss whose
// gradient is exact for its own slice — the summed reconstruction enters as Σ partials (detached) + this rank's partial,
// so the backward needs no collective — and b_dec, replicated, collects its decoder gradient / W on each rank plus each
// rank's encoder path, summed by one all_reduce (SynchronizeReplicatedGradients); the gradient norm is the job's.
// batchtopk cuts the whole batch at the job's (k·N)-th value the same way; jumprelu's θ, straight-through gradients and
// penalties are per latent, so each rank's part of the penalty is summed like the reconstruction; gated's two paths
// (gate b_enc, magnitude r_mag and b_mag, both over the shared W_enc columns) are per latent too, and its auxiliary
// reconstruction through the frozen decoder sums partials the same way. It leaves out matryoshka and skip-transcoders; latents
// tied exactly at the k-th value are all kept; the shard decodes densely ([N, F/W] · [F/W, D]).
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Dictionaries;

public sealed class LatentShardedDictionary : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly Tensor _wEnc, _bEnc, _wDec, _bDec;                                       // [D_in, F/W], [F/W], [F/W, D_out], [D_out]
    private Tensor? _logDensity;                                                              // [F/W] for sparsity.safetensors
    private readonly Tensor? _logThreshold;                                                   // [F/W] t = log θ (jumprelu, trained)
    private readonly Tensor? _rMag, _bMag;                                                    // [F/W] each (gated's magnitude path; b_enc is b_gate)

    private LatentShardedDictionary(ProcessGroup group, DictionaryConfig config, ActivationScale scale, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec,
        Tensor? logThreshold, Tensor? rMag, Tensor? bMag)
    {
        _group = group;
        Config = config;
        Scale = scale;
        (_wEnc, _bEnc, _wDec, _bDec, _logThreshold, _rMag, _bMag) = (wEnc, bEnc, wDec, bDec, logThreshold, rMag, bMag);
        ShardLatents = config.DSae / group.WorldSize;
        Offset = (long)group.Rank * ShardLatents;
    }

    public DictionaryConfig Config { get; }

    public ActivationScale Scale { get; private set; }

    /// <summary>This rank's trainable tensors: W_enc [D_in, F/W], b_enc [F/W], W_dec [F/W, D_out] (its slice), b_dec
    /// [D_out] (the same on every rank), then jumprelu's log θ or gated's r_mag and b_mag [F/W] (its slices) — the
    /// unsharded dictionary's order.</summary>
    public IReadOnlyList<Tensor> Parameters => [.. NamedParameters.Select(p => p.Value)];

    /// <summary>Parameters by their checkpoint names (SparseDictionary.NamedParameters').</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters
    {
        get
        {
            var named = new List<KeyValuePair<string, Tensor>> { new("W_enc", _wEnc), new("b_enc", _bEnc), new("W_dec", _wDec), new("b_dec", _bDec) };
            if (_logThreshold is not null) named.Add(new(JumpReluDictionary.LogThresholdKey, _logThreshold));
            if (_rMag is not null) named.Add(new(GatedDictionary.RMagKey, _rMag));
            if (_bMag is not null) named.Add(new(GatedDictionary.BMagKey, _bMag));
            return named;
        }
    }

    /// <summary>The axis along which a parameter (by checkpoint name) is split by latent — W_enc [D_in, F] 1; b_enc,
    /// W_dec, log θ, r_mag and b_mag 0 — or null for b_dec, the same on every rank.</summary>
    public static int? LatentAxis(string parameterName) => parameterName switch
    {
        "W_enc" => 1,
        "b_enc" or "W_dec" or JumpReluDictionary.LogThresholdKey or GatedDictionary.RMagKey or GatedDictionary.BMagKey => 0,
        "b_dec" => null,
        _ => throw new ArgumentOutOfRangeException(nameof(parameterName), $"'{parameterName}' is not a parameter of a latent-sharded dictionary"),
    };

    /// <summary>The parameters split by latent (all but b_dec), for the job's gradient norm.</summary>
    private IEnumerable<Tensor> ShardedParameters => Parameters.Where(p => !ReferenceEquals(p, _bDec));

    /// <summary>topk: AuxK's coefficient α and k_aux (null = d_out / 2), copied from the full dictionary.</summary>
    public double AuxKCoefficient { get; init; } = 1.0 / 32;

    public int? KAux { get; init; }

    /// <summary>relu: λ of the decoder-norm-weighted L1 penalty; jumprelu: λ of its L0 or tanh penalty (the trainer's
    /// warm-up sets it each step).</summary>
    public double SparsityCoefficient { get; set; }

    /// <summary>jumprelu: the knobs of JumpReluDictionary (ε, the L0 penalty's input gradient, L0 or tanh, c, λ_P), copied
    /// from the full dictionary.</summary>
    public double Bandwidth { get; init; } = JumpReluDictionary.DefaultBandwidth;

    public bool InputGradient { get; init; } = true;

    public JumpReluPenalty Penalty { get; init; } = JumpReluPenalty.L0;

    public double TanhScale { get; init; } = 4;

    public double PreActCoefficient { get; init; }

    private int DOut => (int)_bDec.Size(0);

    public int Rank => _group.Rank;

    public int WorldSize => _group.WorldSize;

    /// <summary>The smallest and largest of value over the ranks (collective).</summary>
    public (long Min, long Max) MinMaxOverRanks(long value)
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.From(new long[] { value, -value }, 2);
        _group.AllReduce_(t, ReduceOp.Max);
        var v = t.ToArray<long>();
        return (-v[1], v[0]);
    }

    /// <summary>The element-wise sum over the ranks of a few counts (collective).</summary>
    public long[] CountsOverRanks(long[] values)
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.From(values, values.Length);
        _group.AllReduce_(t);
        return t.ToArray<long>();
    }

    /// <summary>Latents on this rank (F / W).</summary>
    public int ShardLatents { get; }

    /// <summary>Global index of this rank's first latent.</summary>
    public long Offset { get; }

    /// <summary>This rank's slice of a whole dictionary (every rank passes the same one, for example loaded from disk).</summary>
    public static LatentShardedDictionary FromFull(SparseDictionary full, ProcessGroup group)
    {
        string arch = full.Config.Architecture;
        if (arch is not ("topk" or "batchtopk" or "relu" or "jumprelu" or "gated"))
            throw new ArgumentException($"latent sharding supports topk, batchtopk, relu, jumprelu and gated dictionaries, not {arch}");
        if (full.WSkip is not null) throw new ArgumentException("latent sharding does not support skip-transcoders");
        if (full.DSae % group.WorldSize != 0)
            throw new ArgumentException($"d_sae {full.DSae} does not split evenly over {group.WorldSize} ranks — use a width that is a multiple of the world size");
        long n = full.DSae / group.WorldSize, lo = group.Rank * n;
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        Tensor Own(Tensor t) => t.Contiguous().Clone().DetachFromScopes();
        return new LatentShardedDictionary(group, full.Config, full.Scale,
            Own(full.WEnc.Narrow(1, lo, n)), Own(full.BEnc.Narrow(0, lo, n)), Own(full.WDec.Narrow(0, lo, n)), Own(full.BDec),
            full is JumpReluDictionary j ? Own(j.LogThreshold.Narrow(0, lo, n)) : null,
            full is GatedDictionary g ? Own(g.RMag.Narrow(0, lo, n)) : null, full is GatedDictionary h ? Own(h.BMag.Narrow(0, lo, n)) : null)
        {
            AuxKCoefficient = full is TopKDictionary t ? t.AuxKCoefficient : 1.0 / 32,
            KAux = (full as TopKDictionary)?.KAux,
            SparsityCoefficient = full.HasSparsityCoefficient ? full.SparsityCoefficient : 0,
            Bandwidth = (full as JumpReluDictionary)?.Bandwidth ?? JumpReluDictionary.DefaultBandwidth,
            InputGradient = (full as JumpReluDictionary)?.InputGradient ?? true,
            Penalty = (full as JumpReluDictionary)?.Penalty ?? JumpReluPenalty.L0,
            TanhScale = (full as JumpReluDictionary)?.TanhScale ?? 4,
            PreActCoefficient = (full as JumpReluDictionary)?.PreActCoefficient ?? 0,
            Threshold = full is BatchTopKDictionary b ? b.Threshold : -1,
            ThresholdUpdates = (full as BatchTopKDictionary)?.ThresholdUpdates ?? 0,
            ThresholdRate = (full as BatchTopKDictionary)?.ThresholdRate ?? BatchTopKDictionary.DefaultThresholdRate,
        };
    }

    /// <summary>True when TrainingForward trains this architecture sharded.</summary>
    public static bool CanTrain(string architecture) => architecture is "topk" or "batchtopk" or "relu" or "jumprelu" or "gated";

    /// <summary>The architectures CanTrain accepts, for messages.</summary>
    public const string TrainableArchitectures = "topk, batchtopk, relu, jumprelu and gated";

    /// <summary>batchtopk: the inference threshold θ (negative while unset), its update count and rate, and whether
    /// training forwards update it — as BatchTopKDictionary, with the batch minimum taken over the whole job.</summary>
    public double Threshold { get; set; } = -1;

    public long ThresholdUpdates { get; set; }

    public double ThresholdRate { get; init; } = BatchTopKDictionary.DefaultThresholdRate;

    public bool UpdateThreshold { get; set; } = true;

    /// <summary>True for the architectures with topk's decoder constraint, b_dec init and AuxK (topk, batchtopk).</summary>
    public bool IsTopKFamily => Config.Architecture is "topk" or "batchtopk";

    public void SetScale(ActivationScale scale) => Scale = scale.Validate(Config.Kind);

    /// <summary>b_dec ← the geometric median of a target sample [N, D_out] (raw units; topk's init, Gao et al. 2024 App.
    /// A.1). Every rank passes the same sample, so b_dec stays the same everywhere.</summary>
    public void InitializeDecoderBias(Tensor targetSample)
    {
        using var scope = DisposeScope.Enter();
        var median = GeometricMedian.Compute(targetSample);                                   // [D_out] float64
        using var noGrad = Autograd.NoGrad();
        _bDec.Copy_((median * Scale.Output).To(ScalarType.Float32));
    }

    /// <summary>The training forward on scaled activations xs [N, D_in] and ys [N, D_out], the same batch on every
    /// rank; deadMask [F/W] bool marks this rank's latents the trainer counts as dead (topk's AuxK). Loss: this rank's
    /// objective — its value the job's, its gradient exact for this rank's slice (b_dec: see
    /// SynchronizeReplicatedGradients).</summary>
    public ShardedTrainingStep TrainingForward(Tensor xs, Tensor ys, Tensor? deadMask)
    {
        if (!CanTrain(Config.Architecture)) throw new ArgumentException($"latent-sharded training supports {TrainableArchitectures}, not {Config.Architecture}");
        var pre = PreActivationsScaled(xs);                                                   // [N, F/W]
        Tensor f;                                                                             // [N, F/W] this rank's latents
        if (Config.Architecture == "topk")
        {
            Tensor mask;
            using (Autograd.NoGrad())
            {
                var top = GlobalTopK(pre.Detach(), Config.K!.Value);                          // [N, k] the job's top-k
                mask = pre.Detach().Ge(top.Values.Narrow(1, top.Values.Size(1) - 1, 1)).To(ScalarType.Float32);
            }
            f = pre.Relu() * mask;
        }
        else if (Config.Architecture == "batchtopk") f = pre.Relu() * GlobalBatchTopKMask(pre, Config.K!.Value);
        else if (_logThreshold is not null) f = CustomOps.JumpRelu(pre, _logThreshold.Exp(), Bandwidth);   // straight-through to θ
        else if (_rMag is not null) f = GatedDictionary.Latents(pre, _bEnc, _rMag, _bMag!);  // pre is π_gate
        else f = pre.Relu();
        var yHat = SumOverRanks(f.Mm(_wDec), _bDec);                                         // [N, D_out] Σ partials + b_dec
        var residual = ys - yHat;                                                             // [N, D_out]
        var mse = residual.Pow(2).Sum(1).Mean();
        Tensor loss, sparsityOrAuxK;
        var parts = new Dictionary<string, double>(StringComparer.Ordinal);
        if (IsTopKFamily)
        {
            var totalVariance = (ys - ys.Mean(0, keepDim: true)).Pow(2).Sum();               // 0-dim
            var fvu = residual.Pow(2).Sum() / totalVariance;
            sparsityOrAuxK = AuxKLoss(pre, ys, yHat, totalVariance, deadMask);               // the job's (a sum over ranks)
            loss = fvu + sparsityOrAuxK;
            parts["fvu"] = fvu.ToDouble();
            parts["auxk"] = sparsityOrAuxK.ToDouble();
        }
        else
        {
            sparsityOrAuxK = SumOverRanks(LocalPenalty(pre, f), null);                      // the job's penalty, local gradient
            loss = mse + sparsityOrAuxK;
            parts["sparsity"] = sparsityOrAuxK.ToDouble();
            if (_logThreshold is not null && PreActCoefficient > 0)
            {
                var preAct = SumOverRanks(PreActCoefficient * ((_logThreshold.Exp() - pre).Relu() * _wDec.Norm(2, 1)).Sum(1).Mean(), null);
                loss = loss + preAct;
                parts["pre_act"] = preAct.ToDouble();
            }
            if (_rMag is not null)                                                            // gated: the gate alone through the frozen decoder
            {
                var viaGate = SumOverRanks(pre.Relu().Mm(_wDec.Detach()), null) + _bDec.Detach();   // [N, D_out] Σ partials + b_dec'
                var aux = (ys - viaGate).Pow(2).Sum(1).Mean();
                loss = loss + aux;
                parts["aux"] = aux.ToDouble();
            }
        }
        parts["mse"] = mse.ToDouble();
        using var noGrad = Autograd.NoGrad();
        var active = f.Detach().Gt(0);                                                        // [N, F/W]
        var counts = active.Sum(0).To(ScalarType.Int64);                                      // [F/W]
        var total = counts.Sum().Reshape(1).Clone();
        _group.AllReduce_(total);
        return new ShardedTrainingStep(loss, yHat, counts, parts, (double)total.ToInt64() / xs.Size(0));
    }

    /// <summary>This rank's latents' part of the sparsity penalty (a sum over latents, so the job's is the sum over ranks):
    /// relu's λ Σᵢ fᵢ‖W_dec,i‖; gated's λ Σᵢ ReLU(π_gate,i)‖W_dec,i‖; jumprelu's λ Σᵢ H(preᵢ − θᵢ) or λ Σᵢ tanh(c·|fᵢ|·‖W_dec,i‖) (JumpReluDictionary.Objective),
    /// each a mean over tokens.</summary>
    private Tensor LocalPenalty(Tensor pre, Tensor f)
    {
        if (_rMag is not null) return (pre.Relu() * _wDec.Norm(2, 1)).Sum(1).Mean() * SparsityCoefficient;   // GatedDictionary.Penalties
        if (_logThreshold is null) return (f * _wDec.Norm(2, 1)).Sum(1).Mean() * SparsityCoefficient;
        var penalty = Penalty == JumpReluPenalty.L0
            ? JumpReluDictionary.L0Count(pre, _logThreshold.Exp(), Bandwidth, InputGradient).Sum(1).Mean()
            : (f.Abs() * _wDec.Norm(2, 1) * TanhScale).Tanh().Sum(1).Mean();
        return penalty * SparsityCoefficient;
    }

    /// <summary>batchtopk (Bussmann et al. 2024) across the shards: the k·N largest entries of ReLU(pre) over the whole
    /// batch and every latent of the job — each rank's k·N best are all-gathered and the job's (k·N)-th value is the cut,
    /// exact as for topk. Updates θ with the job's smallest kept positive activation (an all_reduce min). Returns the
    /// float mask [N, F/W] of this rank's kept entries.</summary>
    private Tensor GlobalBatchTopKMask(Tensor pre, int k)
    {
        using var noGrad = Autograd.NoGrad();
        var relu = pre.Detach().Relu();                                                       // [N, F/W]
        long kn = k * relu.Size(0);
        var flat = relu.Flatten();                                                            // [N·F/W]
        var local = flat.TopK(Math.Min(kn, flat.NumEl), dim: 0, sorted: false).Values;        // [≤ k·N]
        var candidates = _group.AllGather(local.Contiguous()).Flatten();                      // [W·(≤ k·N)]
        var cut = candidates.TopK(kn, dim: 0).Values.Narrow(0, kn - 1, 1);                    // [1] the job's (k·N)-th value
        var mask = relu.Ge(cut).To(ScalarType.Float32);                                       // [N, F/W] (ties at 0 add only zeros)
        if (UpdateThreshold)
        {
            var kept = relu * mask;
            var positive = kept.MaskedSelect(kept.Gt(0));
            var min = (positive.NumEl == 0 ? Tensor.Full([1], double.PositiveInfinity) : positive.Min().Reshape(1)).Contiguous().Clone();
            _group.AllReduce_(min, ReduceOp.Min);
            double m = min.ToDouble();
            if (double.IsFinite(m))
            {
                ThresholdUpdates++;                                                           // BatchTopKDictionary.UpdateThresholdWith
                double weight = Math.Max(ThresholdRate, 1.0 / ThresholdUpdates);
                Threshold = ThresholdUpdates == 1 ? m : Threshold + weight * (m - Threshold);
            }
        }
        return mask;
    }

    /// <summary>Gao et al. 2024 App. A.2 across the shards: the top-k_aux dead latents of the whole job (selected like
    /// the top-k), their partial reconstructions of the residual summed over ranks; 0 when no latent is dead anywhere.</summary>
    private Tensor AuxKLoss(Tensor pre, Tensor ys, Tensor yHat, Tensor totalVariance, Tensor? deadMask)
    {
        var deadCount = (deadMask is null ? Tensor.Zeros([1], ScalarType.Int64) : deadMask.Sum().To(ScalarType.Int64).Reshape(1)).Clone();
        _group.AllReduce_(deadCount);
        long dead = deadCount.ToInt64();
        if (dead == 0) return Tensor.Scalar(0, device: ys.Device);
        int kAuxTarget = KAux ?? Math.Max(1, DOut / 2);
        int kAux = (int)Math.Min(kAuxTarget, dead);
        double scale = Math.Min((double)dead / kAuxTarget, 1);
        Tensor mask;
        using (Autograd.NoGrad())
        {
            var deadPre = pre.Detach().Relu().MaskedFill(deadMask!.LogicalNot(), double.NegativeInfinity);   // [N, F/W]
            var top = GlobalTopK(deadPre, kAux);                                              // [N, k_aux] over the job
            mask = deadPre.Ge(top.Values.Narrow(1, kAux - 1, 1)).LogicalAnd(deadMask!.Unsqueeze(0)).To(ScalarType.Float32);
        }
        var eHat = SumOverRanks((pre.Relu() * mask).Mm(_wDec), null);                         // [N, D_out]
        var e = (ys - yHat).Detach();
        return (eHat - e).Pow(2).Sum() / totalVariance * (AuxKCoefficient * scale);
    }

    /// <summary>Σ over ranks of partial, plus replicated: the value is the job's sum; the gradient reaches this rank's
    /// partial whole and the replicated term (b_dec) divided by the world size, so the all_reduce of b_dec's gradient
    /// counts its decoder path once.</summary>
    private Tensor SumOverRanks(Tensor partial, Tensor? replicated)
    {
        Tensor total;
        using (Autograd.NoGrad())
        {
            total = partial.Detach().Contiguous().Clone();
            _group.AllReduce_(total);
            if (replicated is not null) total = total + replicated.Detach();
        }
        var withGrad = total + (partial - partial.Detach());
        return replicated is null ? withGrad : withGrad + (replicated - replicated.Detach()) * (1.0 / _group.WorldSize);
    }

    /// <summary>After backward: b_dec's gradient becomes the sum of the ranks' (its whole gradient); the slices' own
    /// gradients are already exact.</summary>
    public void SynchronizeReplicatedGradients()
    {
        var g = _bDec.Grad ?? throw new InvalidOperationException("b_dec has no gradient: call Backward first");
        _group.AllReduce_(g);
    }

    /// <summary>Scales every gradient so the job's joint 2-norm (the slices' squares summed over ranks, b_dec's once) is
    /// at most maxNorm, as clip_grad_norm_ on the whole dictionary would; returns the norm before clipping.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var local = Tensor.Zeros([1], ScalarType.Float64);
        foreach (var p in ShardedParameters)
            if (p.Grad is { } g) local = local + g.To(ScalarType.Float64).Pow(2).Sum();
        _group.AllReduce_(local);
        if (_bDec.Grad is { } gb) local = local + gb.To(ScalarType.Float64).Pow(2).Sum();
        double norm = Math.Sqrt(local.ToDouble());
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
            foreach (var p in Parameters)
                p.Grad?.Mul_(coefficient);
        return norm;
    }

    /// <summary>topk: gᵢ ← gᵢ − (gᵢ·wᵢ) wᵢ for this rank's decoder rows (TopKDictionary.RemoveParallelDecoderGradient).</summary>
    public void RemoveParallelDecoderGradient()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var grad = _wDec.Grad ?? throw new InvalidOperationException("W_dec has no gradient: call Backward first");
        grad.Sub_((grad * _wDec).Sum(1, keepDim: true) * _wDec);
    }

    /// <summary>topk: this rank's decoder rows back to unit norm.</summary>
    public void NormalizeDecoderRows()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        _wDec.Div_(_wDec.Norm(2, 1, keepDim: true).Clamp(min: 1e-12));
    }

    /// <summary>This rank's log10 feature density [F/W] for the saved sparsity.safetensors (copied).</summary>
    public void SetLogFeatureDensity(Tensor logDensity)
    {
        using var scope = DisposeScope.Enter();
        _logDensity?.Dispose();
        _logDensity = logDensity.Detach().To(ScalarType.Float32).Contiguous().Clone().DetachFromScopes();
    }

    private Tensor PreActivationsScaled(Tensor xs)
    {
        var centred = Config.ApplyBDecToInput ? xs - _bDec : xs;                              // [N, D_in]
        return Tensor.AddMm(_bEnc, centred, _wEnc);                                           // [N, F/W]
    }

    /// <summary>This rank's pre-activations [N, F/W] of raw x [N, D_in].</summary>
    public Tensor PreActivations(Tensor x) => PreActivationsScaled(x * Scale.Input);

    /// <summary>The exact global top-k of the sharded pre-activations: values [N, k] (descending) and global latent
    /// indices [N, k], the same on every rank.</summary>
    public ValuesIndices GlobalTopK(Tensor preLocal, int k)
    {
        long kLocal = Math.Min(k, ShardLatents);
        var local = preLocal.TopK(kLocal, dim: 1);                                            // [N, k'] each
        var values = _group.AllGather(local.Values.Contiguous());                             // [W, N, k']
        var indices = _group.AllGather(local.Indices.Add(Offset).Contiguous());               // [W, N, k']
        long n = preLocal.Size(0);
        var candidates = values.Permute(1, 0, 2).Reshape(n, -1);                              // [N, W·k']
        var candidateIdx = indices.Permute(1, 0, 2).Reshape(n, -1);                           // [N, W·k']
        var top = candidates.TopK(k, dim: 1);                                                 // [N, k]
        return new ValuesIndices(top.Values, candidateIdx.Gather(1, top.Indices));
    }

    /// <summary>This rank's latent activations [N, F/W] (zero where the latent is off, or not in the global top-k).</summary>
    public Tensor Encode(Tensor x)
    {
        var pre = PreActivations(x);                                                          // [N, F/W]
        switch (Config.Architecture)
        {
            case "topk":
                var top = GlobalTopK(pre, Config.K ?? throw new InvalidDataException("topk dictionary without k"));
                var kth = top.Values.Narrow(1, top.Values.Size(1) - 1, 1);                      // [N, 1] the global k-th value
                return pre.Relu() * pre.Ge(kth).To(ScalarType.Float32);
            case "jumprelu":
                return pre * pre.Gt(_logThreshold!.Exp()).To(ScalarType.Float32);
            case "gated":
                return GatedDictionary.Latents(pre, _bEnc, _rMag!, _bMag!);
            case "batchtopk":                                                                  // inference: the threshold, as saved
                if (Threshold < 0) throw new InvalidOperationException("batchtopk has no inference threshold yet: train it first");
                return pre.Relu() * pre.Gt(Threshold).To(ScalarType.Float32);
            default:
                return pre.Relu();
        }
    }

    /// <summary>The reconstruction (prediction) [N, D_out] of raw x [N, D_in], in raw units, the same on every rank:
    /// each rank decodes its latents and one all_reduce sums the parts.</summary>
    public Tensor Predict(Tensor x)
    {
        var partial = Encode(x).Mm(_wDec);                                                    // [N, D_out] this rank's part
        _group.AllReduce_(partial);
        return (partial + _bDec) * (1 / Scale.Output);
    }

    /// <summary>Gathers the slices and, on rank 0, saves one ordinary dictionary directory (every rank must call it).</summary>
    public void Save(string directory, ulong seed = 0)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        var wEnc = _group.AllGather(_wEnc).Permute(1, 0, 2).Reshape(Config.DIn, Config.DSae);   // [W, D_in, F/W] → [D_in, F]
        var bEnc = _group.AllGather(_bEnc).Reshape(Config.DSae);                                 // [F]
        var wDec = _group.AllGather(_wDec).Reshape(Config.DSae, -1);                             // [F, D_out]
        var logThreshold = _logThreshold is null ? null : _group.AllGather(_logThreshold).Reshape(Config.DSae);
        var rMag = _rMag is null ? null : _group.AllGather(_rMag).Reshape(Config.DSae);
        var bMag = _bMag is null ? null : _group.AllGather(_bMag).Reshape(Config.DSae);
        var logDensity = _logDensity is null ? null : _group.AllGather(_logDensity).Reshape(Config.DSae);
        if (_group.Rank != 0) return;
        using var full = DictionaryRegistry.Create(Config, seed, _wEnc.Device);
        full.WEnc.Copy_(wEnc);
        full.BEnc.Copy_(bEnc);
        full.WDec.Copy_(wDec);
        full.BDec.Copy_(_bDec);
        if (full is JumpReluDictionary j) j.LogThreshold.Copy_(logThreshold!);
        if (full is GatedDictionary g)
        {
            g.RMag.Copy_(rMag!);
            g.BMag.Copy_(bMag!);
        }
        if (full is BatchTopKDictionary b) (b.Threshold, b.ThresholdUpdates) = (Threshold, ThresholdUpdates);
        full.SetScale(Scale);
        if (logDensity is not null) full.LogFeatureDensity = logDensity.Clone().DetachFromScopes();
        full.Save(directory);
    }

    public void Dispose()
    {
        _wEnc.Dispose();
        _bEnc.Dispose();
        _wDec.Dispose();
        _bDec.Dispose();
        _logThreshold?.Dispose();
        _rMag?.Dispose();
        _bMag?.Dispose();
        _logDensity?.Dispose();
    }
}

/// <summary>One rank's training forward: Loss (0-dim, with its graph; the job's value), the job's reconstruction
/// YHat [N, D_out] in scaled units, this rank's ActiveCounts [F/W] int64, the job's loss parts and L0.</summary>
public sealed record ShardedTrainingStep(Tensor Loss, Tensor YHat, Tensor ActiveCounts, IReadOnlyDictionary<string, double> Parts, double L0);
