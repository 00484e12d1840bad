// CltOutput — what one CrossLayerTranscoder.Forward returns: the prediction of every output layer, every layer's
// latents and pre-activations, the objective and its parts, and the fraction of variance unexplained per layer. It
// computes nothing itself.
namespace InterpEval.Interp.Dictionaries;

/// <summary>The terms of the CLT objective (0-dim tensors on the autograd graph, MsePerLayer [L]); null when absent.</summary>
/// <param name="Mse">Σ_l' E‖y_l' − ŷ_l'‖² (per token, summed over d_model and over output layers, normalised units).</param>
/// <param name="MsePerLayer">E‖y_l' − ŷ_l'‖² per output layer [L].</param>
/// <param name="Sparsity">λ Σ_l Σ_i tanh(c·‖W_dec,l,i‖_concat·f_l,i), mean over tokens (relu, jumprelu).</param>
/// <param name="PreAct">λ_P Σ_l Σ_i ReLU(θ_l,i − pre_l,i)·‖W_dec,l,i‖_concat, mean over tokens (jumprelu, when λ_P > 0).</param>
public sealed record CltLossParts(Tensor Mse, Tensor MsePerLayer, Tensor? Sparsity = null, Tensor? PreAct = null)
{
    /// <summary>Every present scalar part under its stable key (mse, sparsity, pre_act).</summary>
    public IReadOnlyDictionary<string, Tensor> ToDictionary()
    {
        var parts = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["mse"] = Mse };
        if (Sparsity is not null) parts["sparsity"] = Sparsity;
        if (PreAct is not null) parts["pre_act"] = PreAct;
        return parts;
    }
}

/// <param name="Predictions">ŷ_l' [N, d_model] per output layer, in the caller's (raw) units.</param>
/// <param name="Features">f_l [N, F] per layer (latents of normalised activations; folding leaves them unchanged).</param>
/// <param name="PreActivations">Encoder pre-activations [N, F] per layer.</param>
/// <param name="Loss">The training objective (0-dim, call Backward on it).</param>
/// <param name="Parts">The objective's terms.</param>
/// <param name="FvuPerLayer">Σ‖y_l' − ŷ_l'‖² / Σ‖y_l' − ȳ_l'‖² over the batch, per output layer [L] (detached, float64).</param>
/// <param name="Fvu">The same pooled over all output layers of normalised activations (detached, 0-dim float64).</param>
public sealed record CltOutput(
    IReadOnlyList<Tensor> Predictions, IReadOnlyList<Tensor> Features, IReadOnlyList<Tensor> PreActivations,
    Tensor Loss, CltLossParts Parts, Tensor FvuPerLayer, Tensor Fvu);
