// RowEngine — computes rows of the attribution matrix: for a batch of targets (active latents or logits), one backward
// pass through the frozen forward of the local replacement model on B copies of the prompt, each copy carrying one
// target's injected vector (its encoder row at its layer's input and position, or a de-meaned unembedding column at
// the final norm's output, last position). A row's entries are then the sources' direct contributions: token p's is
// embed[p]·∂/∂embed[p]; error (l, p)'s is err_l[p]·∂/∂mlp_out_l[p]; latent s's is a_s Σ_l' dec_s,l'·∂/∂mlp_out_l'[p_s].
// The forward is run once and its graph kept for every batch; the engine's tensors live in the dispose scope current
// when it is created. Choosing which rows to compute is Attribution's.
//
// Shapes: B batch, T tokens, D d_model, L layers, nF active latents, C = nF + L·T + T columns.
namespace InterpEval.Interp.Circuits;

/// <summary>A row to compute: an active latent (its index in the active set) or a logit (its token id).</summary>
public readonly record struct RowTarget(int ActiveIndex, long LogitToken)
{
    public static RowTarget Feature(int activeIndex) => new(activeIndex, -1);
    public static RowTarget Logit(long token) => new(-1, token);
    public bool IsLogit => ActiveIndex < 0;
}

public sealed class RowEngine
{
    private readonly LocalReplacementModel _lrm;
    private readonly int _batch;
    private readonly Tensor _encRows;            // [nF, D] encoder rows in raw input units
    private readonly Tensor[] _decByPosition;    // per output layer l': [T, C_l', D] activation × decoder rows of latents of layers ≤ l', by position
    private readonly Tensor[] _slotOf;           // per output layer l': [end_l'] int64, latent s's slot p_s·C_l' + c in _decByPosition[l']
    private readonly int[] _layerEnd;            // active latents of layers ≤ l are [0, _layerEnd[l])
    private readonly Tensor _embedLeaf;          // [B, T, D]
    private readonly Tensor[] _mlpLeaves;        // [B, T, D] per layer
    private readonly FrozenPass _pass;
    private readonly Tensor _meanUnembed;        // [D]

    public RowEngine(LocalReplacementModel lrm, int batchSize)
    {
        _lrm = lrm;
        _batch = batchSize;
        ActiveSet = Attribution.Active(lrm);
        int L = lrm.NLayers, nF = ActiveSet.Count;
        long D = lrm.Coder.DModel;
        var device = lrm.Model.Device;
        _layerEnd = Enumerable.Range(0, L).Select(l => ActiveSet.Layer.Count(x => x <= l)).ToArray();
        var enc = new List<Tensor>();
        var dec = new List<Tensor>();
        using (Autograd.NoGrad())
        {
            for (int l = 0; l < L; l++)
            {
                int from = l == 0 ? 0 : _layerEnd[l - 1], count = _layerEnd[l] - from;
                if (count == 0) continue;
                var latents = Tensor.From(ActiveSet.Latent[from.._layerEnd[l]], count).To(device);
                var acts = Tensor.From(ActiveSet.Activation[from.._layerEnd[l]], count).To(device);
                enc.Add(lrm.Coder.EncoderRows(l, latents));
                dec.Add(lrm.Coder.DecoderRows(l, latents) * acts.View(count, 1, 1));
            }
            _encRows = nF == 0 ? Tensor.Zeros([0, D], device: device) : Tensor.Cat(enc, 0);
            var decScaled = nF == 0 ? Tensor.Zeros([0, L, D], device: device) : Tensor.Cat(dec, 0);   // [nF, L, D]
            (_decByPosition, _slotOf) = GroupByPosition(decScaled, lrm.NTokens);
            _meanUnembed = lrm.Model.UnembeddingMatrix.Mean(1);
        }
        var (embed, mlp) = lrm.CleanSources(batchSize);
        _embedLeaf = embed.RequiresGrad_();
        _mlpLeaves = mlp.Select(m => m.RequiresGrad_()).ToArray();
        _pass = lrm.Forward(_embedLeaf, _mlpLeaves);
    }

    /// <summary>The active latents, in (layer, position, latent) order: the feature columns.</summary>
    public Attribution.ActiveSet ActiveSet { get; }

    /// <summary>Backward passes run so far.</summary>
    public int BackwardPasses { get; private set; }

    /// <summary>Source columns: nF + L·T + T.</summary>
    public int Columns => ActiveSet.Count + _lrm.NLayers * _lrm.NTokens + _lrm.NTokens;

    /// <summary>The de-meaned unembedding column of a token, W_U[:, t] − mean_v W_U[:, v]: [D].</summary>
    public Tensor DemeanedUnembedding(long token) => _lrm.Model.UnembeddingMatrix.Select(1, token) - _meanUnembed;

    /// <summary>Rows [n, C] (a new tensor in the caller's scope) for up to B targets.</summary>
    public Tensor Rows(IReadOnlyList<RowTarget> targets)
    {
        if (targets.Count == 0 || targets.Count > _batch) throw new ArgumentException($"between 1 and {_batch} targets per batch, got {targets.Count}");
        int L = _lrm.NLayers, T = _lrm.NTokens, nF = ActiveSet.Count;
        long D = _lrm.Coder.DModel;
        using var scope = DisposeScope.Enter();
        var outputs = new List<Tensor>();
        var injections = new List<Tensor?>();
        int maxLayer = -1;
        for (int l = 0; l <= L; l++)
        {
            var slots = new List<long>();
            var vectors = new List<Tensor>();
            for (int b = 0; b < targets.Count; b++)
            {
                var t = targets[b];
                if (t.IsLogit && l == L)
                {
                    slots.Add((long)b * T + T - 1);
                    vectors.Add(DemeanedUnembedding(t.LogitToken));
                }
                else if (!t.IsLogit && ActiveSet.Layer[t.ActiveIndex] == l)
                {
                    slots.Add((long)b * T + ActiveSet.Position[t.ActiveIndex]);
                    vectors.Add(_encRows.Select(0, t.ActiveIndex));
                }
            }
            if (slots.Count == 0) continue;
            maxLayer = l;
            var g = Tensor.Zeros([(long)_batch * T, D], device: _lrm.Model.Device)
                .IndexAdd_(0, Tensor.From(slots.ToArray(), slots.Count).To(_lrm.Model.Device), Tensor.Stack(vectors));
            outputs.Add(l == L ? _pass.FinalNormalized : _pass.Inputs[l]);
            injections.Add(g.View(_batch, T, D));
        }
        var inputs = new List<Tensor> { _embedLeaf };
        inputs.AddRange(_mlpLeaves);
        var grads = Autograd.Grad(outputs, inputs, injections, retainGraph: true, allowUnused: true);
        BackwardPasses++;
        using var noGrad = Autograd.NoGrad();
        long n = targets.Count;
        var gEmbed = grads[0]!.Narrow(0, 0, n);                                                   // [n, T, D]
        var tokens = (gEmbed * _lrm.Embedding.Unsqueeze(0)).Sum(-1);                               // [n, T]
        var errors = Tensor.Zeros([n, (long)L * T], device: _lrm.Model.Device);                    // [n, L·T]
        var features = Tensor.Zeros([n, nF], device: _lrm.Model.Device);                           // [n, nF]
        for (int l = 0; l < L; l++)
        {
            if (grads[1 + l] is not { } gl) continue;
            var g = gl.Narrow(0, 0, n);                                                             // [n, T, D]
            errors.Narrow(1, (long)l * T, T).Copy_((g * _lrm.Errors[l].Unsqueeze(0)).Sum(-1));
            int end = _layerEnd[l];
            if (end == 0) continue;
            // Per position p: g[:, p] [n, D] against the decoder rows of the latents at p; one batched matmul over positions.
            var byPos = _decByPosition[l];                                                          // [T, C, D]
            var products = g.Transpose(0, 1).Bmm(byPos.Transpose(1, 2));                            // [T, n, C]
            var flat = products.Permute(1, 0, 2).Reshape(n, (long)T * byPos.Size(1));               // [n, T·C]
            features.Narrow(1, 0, end).Add_(flat.IndexSelect(1, _slotOf[l]));
        }
        return scope.MoveOut(Tensor.Cat([features, errors, tokens], 1).To(ScalarType.Float32).To(Device.Cpu));
    }

    // For each output layer l', the decoder rows (× activation) of the latents of layers ≤ l' (a prefix of the active set)
    // laid out by position, C_l' slots per position, and each latent's slot.
    private (Tensor[] ByPosition, Tensor[] Slot) GroupByPosition(Tensor decScaled, int tokens)
    {
        int L = _lrm.NLayers;
        long D = decScaled.Size(2);
        var byPosition = new Tensor[L];
        var slots = new Tensor[L];
        for (int l = 0; l < L; l++)
        {
            int end = _layerEnd[l];
            var used = new int[tokens];
            var slot = new long[end];
            for (int s = 0; s < end; s++) slot[s] = used[ActiveSet.Position[s]]++;
            long c = Math.Max(1, used.Max());
            for (int s = 0; s < end; s++) slot[s] += ActiveSet.Position[s] * c;
            var index = Tensor.From(slot, end).To(decScaled.Device);
            var grid = Tensor.Zeros([tokens * c, D], device: decScaled.Device);
            if (end > 0) grid.IndexAdd_(0, index, decScaled.Narrow(0, 0, end).Select(1, l));
            byPosition[l] = grid.View(tokens, c, D);
            slots[l] = index;
        }
        return (byPosition, slots);
    }
}
