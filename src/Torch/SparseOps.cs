// SparseOps — the fused kernels of SAE training: TopK's sparse decode and sparse encoder gradient
// (native/src/sparse_ops.cpp) and the ReLU SAE's fused objective (native/src/relu_sae.cpp), each with a slow twin of
// plain dense ops (`*Reference`) that the tests hold it to. Shapes: N tokens, k active, S = d_sae, D = d_in, O = d_out.
// Deliberately not here: the SAE itself (scaling, aux-k loss, constraints) — these are only the kernels.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public static class SparseOps
{
    /// <summary>
    /// y[n,:] = Σ_j values[n,j]·wDec[indices[n,j],:] → [N, d_in], without the dense [N, d_sae] code. Differentiable
    /// w.r.t. values (dValues[n,j] = ⟨g[n,:], wDec[idx[n,j],:]⟩) and wDec (row idx[n,j] += values[n,j]·g[n,:]).
    /// values [N, k] and wDec [d_sae, d_in] share a floating dtype; indices [N, k] is int64 in [0, d_sae).
    /// </summary>
    public static Tensor TopKDecode(Tensor values, Tensor indices, Tensor wDec) =>
        Tensor.Wrap(NativeMethods.ie_topk_decode(values.Handle, indices.Handle, wDec.Handle));

    /// <summary>
    /// (values, indices) = relu(topk(x·wEncTᵀ + bEnc, k)), each [N, k], largest first. The forward is dense; the
    /// backward is sparse: dx gathers k rows of wEncT per token, dWEncT and dbEnc are index-adds over the k latents.
    /// x [N, d_in], wEncT [d_sae, d_in] (the encoder transposed: one row per latent), bEnc [d_sae]; 1 ≤ k ≤ d_sae.
    /// </summary>
    public static ValuesIndices TopKEncode(Tensor x, Tensor wEncT, Tensor bEnc, long k)
    {
        var r = TopKEncodeWithPre(x, wEncT, bEnc, k);
        r.PreActivations.Dispose();
        return new(r.Values, r.Indices);
    }

    /// <summary><see cref="TopKEncode"/> that also hands back the dense pre-activations x·wEncTᵀ + bEnc [N, d_sae] it
    /// computed anyway (without a gradient: a caller that needs one, AuxK, recomputes its few entries).</summary>
    public static TopKEncoding TopKEncodeWithPre(Tensor x, Tensor wEncT, Tensor bEnc, long k)
    {
        NativeCheck.Check(NativeMethods.ie_topk_encode(x.Handle, wEncT.Handle, bEnc.Handle, k, out IntPtr v, out IntPtr i, out IntPtr p));
        return new(Tensor.WrapOut(v)!, Tensor.WrapOut(i)!, Tensor.WrapOut(p)!);
    }

    /// <summary>
    /// <see cref="TopKEncode"/> without the dense pre-activations (CPU only): the encoder GEMM runs tile by tile (each
    /// intra-op thread takes chunks of 256 tokens through all latents in blocks of 512, one single-threaded GEMM per tile
    /// into its own small buffer) and every row keeps its top k across blocks. With a dead mask [d_sae] (bool) it
    /// also returns AuxK's choice in the same pass: per token the kAux largest relu(pre) among dead latents, [N, kAux]
    /// int64 (1 ≤ kAux ≤ dead latents; equal values, such as zeros, go to the lower index). Same backward as TopKEncode.
    /// </summary>
    public static TopKStreamedEncoding TopKEncodeStreamed(Tensor x, Tensor wEncT, Tensor bEnc, long k, Tensor? dead = null, long kAux = 0)
    {
        NativeCheck.Check(NativeMethods.ie_topk_encode_streamed(x.Handle, wEncT.Handle, bEnc.Handle, k, dead?.Handle ?? TensorHandle.Null, kAux,
            out IntPtr v, out IntPtr i, out IntPtr a));
        var aux = Tensor.WrapOut(a)!;
        if (dead is not null) return new(Tensor.WrapOut(v)!, Tensor.WrapOut(i)!, aux);
        aux.Dispose();
        return new(Tensor.WrapOut(v)!, Tensor.WrapOut(i)!, null);
    }

    /// <summary>
    /// The ReLU SAE objective with a hand-written backward (five GEMMs, two fused passes over [N, S]):
    /// pre = (x − c·bDec)·wEnc + bEnc, f = relu(pre), ŷ = f·wDec + bDec, mse = Σ(ŷ − y)²/N,
    /// sparsity = λ Σ f·‖wDec,i‖ / N, loss = mse + sparsity (c = applyBDecToInput). x [N, D], y [N, O], wEnc [D, S],
    /// bEnc [S], wDec [S, O], bDec [O]. Differentiable w.r.t. every input through loss, mse, sparsity, f and ŷ; pre has no gradient.
    /// When the density of pre &gt; 0 (estimated on at most 512 evenly spaced tokens) is below <paramref name="sparseBelowDensity"/>, f comes
    /// back sparse (<see cref="ReluSaeTerms.Indices"/> set) and decode and every gradient but the encoder GEMM's input
    /// are sparse sums over the active latents (TopK's kernels); 0 keeps the dense path.
    /// </summary>
    public static ReluSaeTerms ReluSaeObjective(Tensor x, Tensor y, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, double lambda, bool applyBDecToInput,
        double sparseBelowDensity = 0)
    {
        NativeCheck.Check(NativeMethods.ie_relu_sae_objective(x.Handle, y.Handle, wEnc.Handle, bEnc.Handle, wDec.Handle, bDec.Handle, lambda,
            applyBDecToInput ? 1 : 0, sparseBelowDensity, out IntPtr loss, out IntPtr mse, out IntPtr sparsity, out IntPtr pre, out IntPtr f,
            out IntPtr yHat, out IntPtr indices));
        return new(Tensor.WrapOut(loss)!, Tensor.WrapOut(mse)!, Tensor.WrapOut(sparsity)!, Tensor.WrapOut(pre)!, Tensor.WrapOut(f)!, Tensor.WrapOut(yHat)!,
            Tensor.WrapOut(indices));
    }

    /// <summary>Slow twin of <see cref="ReluSaeObjective"/>: the same formulas as plain ops, differentiated by autograd.</summary>
    public static ReluSaeTerms ReluSaeObjectiveReference(Tensor x, Tensor y, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, double lambda, bool applyBDecToInput)
    {
        var xc = applyBDecToInput ? x - bDec : x;                                            // [N, D]
        var pre = Tensor.AddMm(bEnc, xc, wEnc);                                              // [N, S]
        var f = pre.Relu();
        var yHat = Tensor.AddMm(bDec, f, wDec);                                              // [N, O]
        var mse = (yHat - y).Pow(2).Sum(1).Mean();
        var sparsity = (f * wDec.Norm(2, 1)).Sum(1).Mean() * lambda;
        return new(mse + sparsity, mse, sparsity, pre.Detach(), f, yHat);
    }

    /// <summary>
    /// values[n,j] = ⟨x[n,:], wEncT[indices[n,j],:]⟩ + bEnc[indices[n,j]] → [N, k]: the encoder read at chosen latents
    /// (AuxK's dead ones), with the same sparse backward as <see cref="TopKEncode"/>. indices [N, k] int64 in [0, d_sae).
    /// </summary>
    public static Tensor GatherEncode(Tensor x, Tensor wEncT, Tensor bEnc, Tensor indices) =>
        Tensor.Wrap(NativeMethods.ie_gather_encode(x.Handle, wEncT.Handle, bEnc.Handle, indices.Handle));

    /// <summary>Slow twin of <see cref="GatherEncode"/>: dense pre-activations, then a gather.</summary>
    public static Tensor GatherEncodeReference(Tensor x, Tensor wEncT, Tensor bEnc, Tensor indices) =>
        Tensor.AddMm(bEnc, x, wEncT.T).Gather(1, indices);

    /// <summary>Slow twin of <see cref="TopKDecode"/>: scatter-add into a dense [N, d_sae] code, then a dense matmul.</summary>
    public static Tensor TopKDecodeReference(Tensor values, Tensor indices, Tensor wDec)
    {
        var denseNS = Tensor.Zeros([values.Size(0), wDec.Size(0)], values.Dtype, values.Device).ScatterAdd(1, indices, values);
        return denseNS.Mm(wDec);
    }

    /// <summary>Slow twin of <see cref="TopKEncode"/>: dense pre-activations, topk, relu; autograd does the rest densely.</summary>
    public static ValuesIndices TopKEncodeReference(Tensor x, Tensor wEncT, Tensor bEnc, long k)
    {
        var top = Tensor.AddMm(bEnc, x, wEncT.T).TopK(k, dim: 1);
        return new(top.Values.Relu(), top.Indices);
    }
}

/// <summary>TopK encoding: values and indices [N, k] (largest first) and the dense pre-activations [N, d_sae] (no gradient).</summary>
public sealed record TopKEncoding(Tensor Values, Tensor Indices, Tensor PreActivations);

/// <summary>TopKEncodeStreamed's result: values and indices [N, k]; AuxK's dead-latent indices [N, k_aux] when a dead
/// mask was given.</summary>
public sealed record TopKStreamedEncoding(Tensor Values, Tensor Indices, Tensor? AuxIndices);

/// <summary>The ReLU SAE objective's terms: loss, mse, sparsity (0-dim), pre [N, S], f, ŷ [N, O]. f is the dense
/// latents [N, S] when Indices is null; on the sparse path it is their values [N, k] at Indices [N, k] (int64; each row's
/// active latents, then entries of value 0 at latents inactive in that row, so indices are distinct within a row).</summary>
public sealed record ReluSaeTerms(Tensor Loss, Tensor Mse, Tensor Sparsity, Tensor PreActivations, Tensor Features, Tensor YHat, Tensor? Indices = null)
{
    /// <summary>Whether the sparse path ran.</summary>
    public bool IsSparse => Indices is not null;

    /// <summary>The dense latents [N, S]: Features itself on the dense path, else scattered from (values, indices)
    /// (on the autograd graph through the values).</summary>
    public Tensor DenseFeatures => Indices is null ? Features
        : Tensor.Zeros([Features.Size(0), PreActivations.Size(1)], Features.Dtype, Features.Device).Scatter(1, Indices, Features);
}
