// HubWeights — a Hugging Face decoder checkpoint's tensors as the model types hold them: a tensor by key with its
// shape checked, on the model's device; nn.Linear's [out, in] matrices (one or several fused) as one [in, Σout] matrix;
// RMSNorm weights; and the embedding with its unembedding (the embedding's transpose unless a separate lm_head is
// used). Shared by the Llama-family and Gemma loaders; what differs between them (norm offsets, biases, post norms)
// stays in each model's FromWeights.
using InterpEval.Torch;

namespace InterpEval.Interp.Models;

internal sealed class HubWeights(ModelConfig c, IWeightSource source, Device device)
{
    /// <summary>The tensor stored under <paramref name="key"/>, checked against <paramref name="shape"/>.</summary>
    public Tensor Get(string key, params long[] shape) => source.Load(key, shape, device);

    /// <summary>Whether the checkpoint stores <paramref name="key"/>.</summary>
    public bool Contains(string key) => source.Contains(key);

    /// <summary>The parts' weights ([out, in] each, as nn.Linear stores them) concatenated and transposed: [in, Σout].</summary>
    public Tensor InOut(params (string Key, long Out, long In)[] parts)
    {
        using var scope = DisposeScope.Enter();
        return scope.MoveOut(Tensor.Cat(parts.Select(p => Get(p.Key + ".weight", p.Out, p.In)).ToArray(), 0).T.Contiguous()).DetachFromScopes();
    }

    /// <summary>The parts' biases concatenated: [Σout].</summary>
    public Tensor Biases(params (string Key, long Out)[] parts)
    {
        using var scope = DisposeScope.Enter();
        return scope.MoveOut(Tensor.Cat(parts.Select(p => Get(p.Key + ".bias", p.Out)).ToArray(), 0)).DetachFromScopes();
    }

    /// <summary>An RMSNorm's weight [width] with the config's eps (Gemma scales by 1 + weight: offset 1).</summary>
    public RmsNormWeights Rms(string key, long width, double offset = 0) =>
        new(Get(key + ".weight", width).DetachFromScopes(), c.NormEps, offset);

    /// <summary>W_E [V, D] and W_U [D, V]: lm_head's when <paramref name="untied"/>, else the embedding's transpose.</summary>
    public (Tensor Embed, Tensor Unembed) Embeddings(bool untied)
    {
        var embed = Get("model.embed_tokens.weight", c.VocabSize, c.DModel).DetachFromScopes();
        return (embed, untied ? InOut(("lm_head", c.VocabSize, c.DModel)) : embed.T.DetachFromScopes());
    }
}
