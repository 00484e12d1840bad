// SparseOps — the fused sparse kernels of a TopK SAE (native/src/sparse_ops.cpp), each with a slow twin made of plain
// dense ops (`*Reference`) that the tests hold it to. Shapes: N tokens, k active latents, d_sae latents, d_in inputs.
// Deliberately not here: the SAE itself (bias handling, normalisation, aux-k loss) — these are only the kernels.
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
        NativeCheck.Check(NativeMethods.ie_topk_encode(x.Handle, wEncT.Handle, bEnc.Handle, k, out IntPtr v, out IntPtr i));
        return new(Tensor.WrapOut(v)!, Tensor.WrapOut(i)!);
    }

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
