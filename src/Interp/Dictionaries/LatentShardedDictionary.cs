// LatentShardedDictionary — one rank's slice of a dictionary whose latents are split over a process group (tensor
// parallel): rank r holds latents r·F/W … (r+1)·F/W (W_enc columns, b_enc entries, W_dec rows; b_dec on every rank).
// TopK selects globally and exactly: each rank's k best pre-activations are all-gathered and the global k chosen
// (the global top-k lies within the union of the ranks' top-k); ReLU and JumpReLU need no selection. Every rank then
// decodes its own active latents and one all_reduce sums the partial reconstructions. Save gathers the slices into
// one ordinary dictionary directory on rank 0. It leaves out training (no backward through the collectives yet),
// batchtopk/gated/matryoshka, and skip-transcoders; latents tied exactly at the k-th value are all kept.
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Dictionaries;

public sealed class LatentShardedDictionary : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly Tensor _wEnc, _bEnc, _wDec, _bDec;                                       // [D_in, F/W], [F/W], [F/W, D_out], [D_out]
    private readonly Tensor? _threshold;                                                      // [F/W] (jumprelu)

    private LatentShardedDictionary(ProcessGroup group, DictionaryConfig config, ActivationScale scale, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, Tensor? threshold)
    {
        _group = group;
        Config = config;
        Scale = scale;
        (_wEnc, _bEnc, _wDec, _bDec, _threshold) = (wEnc, bEnc, wDec, bDec, threshold);
        ShardLatents = config.DSae / group.WorldSize;
        Offset = (long)group.Rank * ShardLatents;
    }

    public DictionaryConfig Config { get; }

    public ActivationScale Scale { get; }

    /// <summary>Latents on this rank (F / W).</summary>
    public int ShardLatents { get; }

    /// <summary>Global index of this rank's first latent.</summary>
    public long Offset { get; }

    /// <summary>This rank's slice of a whole dictionary (every rank passes the same one, for example loaded from disk).</summary>
    public static LatentShardedDictionary FromFull(SparseDictionary full, ProcessGroup group)
    {
        string arch = full.Config.Architecture;
        if (arch is not ("topk" or "relu" or "jumprelu"))
            throw new ArgumentException($"latent sharding supports topk, relu and jumprelu dictionaries, not {arch}");
        if (full.WSkip is not null) throw new ArgumentException("latent sharding does not support skip-transcoders");
        if (full.DSae % group.WorldSize != 0)
            throw new ArgumentException($"d_sae {full.DSae} does not split evenly over {group.WorldSize} ranks — use a width that is a multiple of the world size");
        long n = full.DSae / group.WorldSize, lo = group.Rank * n;
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        Tensor Own(Tensor t) => t.Contiguous().Clone().DetachFromScopes();
        return new LatentShardedDictionary(group, full.Config, full.Scale,
            Own(full.WEnc.Narrow(1, lo, n)), Own(full.BEnc.Narrow(0, lo, n)), Own(full.WDec.Narrow(0, lo, n)), Own(full.BDec),
            full is JumpReluDictionary j ? Own(j.Threshold().Narrow(0, lo, n)) : null);
    }

    /// <summary>This rank's pre-activations [N, F/W] of raw x [N, D_in].</summary>
    public Tensor PreActivations(Tensor x)
    {
        var xs = x * Scale.Input;                                                             // [N, D_in]
        var centred = Config.ApplyBDecToInput ? xs - _bDec : xs;
        return Tensor.AddMm(_bEnc, centred, _wEnc);                                           // [N, F/W]
    }

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
                return pre * pre.Gt(_threshold!).To(ScalarType.Float32);
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
        var threshold = _threshold is null ? null : _group.AllGather(_threshold).Reshape(Config.DSae);
        if (_group.Rank != 0) return;
        using var full = DictionaryRegistry.Create(Config, seed, _wEnc.Device);
        full.WEnc.Copy_(wEnc);
        full.BEnc.Copy_(bEnc);
        full.WDec.Copy_(wDec);
        full.BDec.Copy_(_bDec);
        if (full is JumpReluDictionary j) j.LogThreshold.Copy_(threshold!.Log());
        full.SetScale(Scale);
        full.Save(directory);
    }

    public void Dispose()
    {
        _wEnc.Dispose();
        _bEnc.Dispose();
        _wDec.Dispose();
        _bDec.Dispose();
        _threshold?.Dispose();
    }
}
