// DictionaryOutput — what one Forward returns: the prediction, the latents, the training objective and its parts by
// name. Loss parts are 0-dim tensors still on the autograd graph; ToDictionary flattens them to stable keys for logs.
// Latents may come as (values, indices) from a sparse path: the dense [N, d_sae] tensor is then built only when a
// caller reads Features, and the pre-activations only when a caller reads PreActivations; firing counts and L0 read
// the sparse form. It computes nothing else.
namespace InterpEval.Interp.Dictionaries;

/// <summary>The terms of a training objective, each a 0-dim tensor; null when the architecture has no such term.</summary>
/// <param name="Mse">E‖y − ŷ‖² per token, summed over the output dims, on normalised activations (DESIGN §8).</param>
/// <param name="Fvu">Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch (TopK's reconstruction term, as in sparsify).</param>
/// <param name="Sparsity">The weighted sparsity penalty (L1 on decoder-norm-weighted latents, L0, or tanh).</param>
/// <param name="AuxK">The weighted dead-latent auxiliary loss (Gao et al. 2024, App. A.2).</param>
/// <param name="PreAct">The weighted pre-activation penalty on latents below threshold (Anthropic, Jan 2025).</param>
/// <param name="Aux">Gated's auxiliary reconstruction through the frozen decoder (Rajamanoharan et al. 2024).</param>
public sealed record LossParts(Tensor Mse, Tensor? Fvu = null, Tensor? Sparsity = null, Tensor? AuxK = null, Tensor? PreAct = null, Tensor? Aux = null)
{
    /// <summary>Every present part under its stable key (mse, fvu, sparsity, auxk, pre_act, aux).</summary>
    public IReadOnlyDictionary<string, Tensor> ToDictionary()
    {
        var parts = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["mse"] = Mse };
        if (Fvu is not null) parts["fvu"] = Fvu;
        if (Sparsity is not null) parts["sparsity"] = Sparsity;
        if (AuxK is not null) parts["auxk"] = AuxK;
        if (PreAct is not null) parts["pre_act"] = PreAct;
        if (Aux is not null) parts["aux"] = Aux;
        return parts;
    }
}

/// <summary>k latents per token as (values, indices), the rest 0: what a TopK forward produces, and a ReLU forward on its
/// sparse path (k the widest row's count, shorter rows padded with value-0 entries at distinct inactive latents).</summary>
/// <param name="Values">[N, k] latent values (0 where ReLU clipped).</param>
/// <param name="Indices">[N, k] int64 latent indices, distinct within a row.</param>
/// <param name="Width">d_sae, the dense width.</param>
public sealed record SparseLatents(Tensor Values, Tensor Indices, long Width)
{
    /// <summary>The dense [N, d_sae] latents (detached), a new tensor in the current scope.</summary>
    public Tensor ToDense()
    {
        using var noGrad = Autograd.NoGrad();
        return Tensor.Zeros([Values.Size(0), Width], device: Values.Device).Scatter(1, Indices, Values.Detach());
    }
}

/// <summary>The result of one forward pass.</summary>
public sealed class DictionaryOutput
{
    private Tensor? _features;
    private Tensor? _pre;
    private readonly Func<Tensor>? _preFactory;

    /// <param name="reconstruction">ŷ [N, d_out] in the caller's (raw) units.</param>
    /// <param name="features">Latent activations f [N, d_sae], on normalised activations.</param>
    /// <param name="preActivations">Encoder pre-activations [N, d_sae] (what thresholds compare against).</param>
    /// <param name="loss">The training objective (a 0-dim tensor to call Backward on).</param>
    /// <param name="parts">The objective's terms by name.</param>
    public DictionaryOutput(Tensor reconstruction, Tensor features, Tensor preActivations, Tensor loss, LossParts parts)
        : this(reconstruction, preActivations, loss, parts) => _features = features;

    /// <summary>An output whose latents are sparse; <see cref="Features"/> densifies them on first use and
    /// <see cref="PreActivations"/> come from <paramref name="preActivations"/> on first use (a sparse forward may
    /// never have held them).</summary>
    public DictionaryOutput(Tensor reconstruction, SparseLatents latents, Func<Tensor> preActivations, Tensor loss, LossParts parts)
        : this(reconstruction, loss, parts)
    {
        Sparse = latents;
        _preFactory = preActivations;
    }

    private DictionaryOutput(Tensor reconstruction, Tensor preActivations, Tensor loss, LossParts parts)
        : this(reconstruction, loss, parts) => _pre = preActivations;

    private DictionaryOutput(Tensor reconstruction, Tensor loss, LossParts parts)
    {
        Reconstruction = reconstruction;
        Loss = loss;
        Parts = parts;
    }

    /// <summary>ŷ [N, d_out] in the caller's (raw) units.</summary>
    public Tensor Reconstruction { get; }

    /// <summary>Latent activations f [N, d_sae], on normalised activations (built from <see cref="Sparse"/> on first
    /// read when the forward was sparse; then detached, in the scope current at that read).</summary>
    public Tensor Features => _features ??= Sparse!.ToDense();

    /// <summary>The latents as (values, indices) when the forward was sparse; null otherwise.</summary>
    public SparseLatents? Sparse { get; }

    /// <summary>Encoder pre-activations [N, d_sae] (what thresholds compare against; no gradient on a sparse path,
    /// where they are computed on first read, in the scope current then, from the forward's input).</summary>
    public Tensor PreActivations => _pre ??= _preFactory!();

    /// <summary>The training objective (a 0-dim tensor to call Backward on).</summary>
    public Tensor Loss { get; }

    /// <summary>The objective's terms by name.</summary>
    public LossParts Parts { get; }

    /// <summary>Tokens of the batch on which each latent is non-zero: [d_sae] int64 (no gradient).</summary>
    public Tensor ActiveCounts()
    {
        using var noGrad = Autograd.NoGrad();
        if (Sparse is null) return Features.Ne(0).Sum(0);
        var counts = Tensor.Zeros([Sparse.Width], ScalarType.Int64, device: Sparse.Values.Device);   // [F]
        return counts.IndexAdd_(0, Sparse.Indices.Flatten(), Sparse.Values.Ne(0).To(ScalarType.Int64).Flatten());
    }

    /// <summary>Non-zero latents in the batch (Σ over tokens of L0).</summary>
    public long ActiveTotal()
    {
        using var noGrad = Autograd.NoGrad();
        return (Sparse is null ? Features : Sparse.Values).Ne(0).Sum().ToInt64();
    }
}
