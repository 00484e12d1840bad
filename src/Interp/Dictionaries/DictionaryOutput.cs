// DictionaryOutput — what one Forward returns: the prediction, the latents, the training objective and its parts by
// name. Loss parts are 0-dim tensors still on the autograd graph; ToDictionary flattens them to stable keys for logs.
// It computes nothing itself.
namespace InterpEval.Interp.Dictionaries;

/// <summary>The terms of a training objective, each a 0-dim tensor; null when the architecture has no such term.</summary>
/// <param name="Mse">E‖y − ŷ‖² per token, summed over the output dims, on normalised activations (DESIGN §8).</param>
/// <param name="Fvu">Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch (TopK's reconstruction term, as in sparsify).</param>
/// <param name="Sparsity">The weighted sparsity penalty (L1 on decoder-norm-weighted latents, L0, or tanh).</param>
/// <param name="AuxK">The weighted dead-latent auxiliary loss (Gao et al. 2024, App. A.2).</param>
/// <param name="PreAct">The weighted pre-activation penalty on latents below threshold (Anthropic, Jan 2025).</param>
public sealed record LossParts(Tensor Mse, Tensor? Fvu = null, Tensor? Sparsity = null, Tensor? AuxK = null, Tensor? PreAct = null)
{
    /// <summary>Every present part under its stable key (mse, fvu, sparsity, auxk, pre_act).</summary>
    public IReadOnlyDictionary<string, Tensor> ToDictionary()
    {
        var parts = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["mse"] = Mse };
        if (Fvu is not null) parts["fvu"] = Fvu;
        if (Sparsity is not null) parts["sparsity"] = Sparsity;
        if (AuxK is not null) parts["auxk"] = AuxK;
        if (PreAct is not null) parts["pre_act"] = PreAct;
        return parts;
    }
}

/// <param name="Reconstruction">ŷ [N, d_out] in the caller's (raw) units.</param>
/// <param name="Features">Latent activations f [N, d_sae], on normalised activations.</param>
/// <param name="PreActivations">Encoder pre-activations [N, d_sae] (what thresholds compare against).</param>
/// <param name="Loss">The training objective (a 0-dim tensor to call Backward on).</param>
/// <param name="Parts">The objective's terms by name.</param>
public sealed record DictionaryOutput(Tensor Reconstruction, Tensor Features, Tensor PreActivations, Tensor Loss, LossParts Parts);
