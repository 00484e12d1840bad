// Tensor reductions over all elements or chosen dims, top-k, sort, cumulative sums. No dims = every element.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

/// <summary>Values and their int64 indices along the reduced dim (max, min, topk, sort).</summary>
public sealed record ValuesIndices(Tensor Values, Tensor Indices);

public sealed partial class Tensor
{
    public Tensor Sum() => Wrap(NativeMethods.ie_tensor_sum(Handle, [], 0, 0));
    public Tensor Sum(long[] dims, bool keepDim = false) => Wrap(NativeMethods.ie_tensor_sum(Handle, dims, dims.Length, keepDim ? 1 : 0));
    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    public Tensor Mean() => Wrap(NativeMethods.ie_tensor_mean(Handle, [], 0, 0));
    public Tensor Mean(long[] dims, bool keepDim = false) => Wrap(NativeMethods.ie_tensor_mean(Handle, dims, dims.Length, keepDim ? 1 : 0));
    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Variance with Bessel's correction by default (correction 1); pass 0 for the population variance.</summary>
    public Tensor Var(long[]? dims = null, long correction = 1, bool keepDim = false)
    {
        dims ??= [];
        return Wrap(NativeMethods.ie_tensor_var(Handle, dims, dims.Length, correction, keepDim ? 1 : 0));
    }

    /// <summary>Vector p-norm over dims (all elements when none are given).</summary>
    public Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false)
    {
        dims ??= [];
        return Wrap(NativeMethods.ie_tensor_norm(Handle, p, dims, dims.Length, keepDim ? 1 : 0));
    }

    public Tensor Norm(double p, long dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    public Tensor Max() => Wrap(NativeMethods.ie_tensor_max_all(Handle));
    public Tensor Min() => Wrap(NativeMethods.ie_tensor_min_all(Handle));

    public ValuesIndices Max(long dim, bool keepDim = false)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_max_dim(Handle, dim, keepDim ? 1 : 0, out IntPtr v, out IntPtr i));
        return new(WrapOut(v)!, WrapOut(i)!);
    }

    public ValuesIndices Min(long dim, bool keepDim = false)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_min_dim(Handle, dim, keepDim ? 1 : 0, out IntPtr v, out IntPtr i));
        return new(WrapOut(v)!, WrapOut(i)!);
    }

    public Tensor ArgMax(long dim, bool keepDim = false) => Wrap(NativeMethods.ie_tensor_argmax(Handle, dim, keepDim ? 1 : 0));
    public Tensor ArgMin(long dim, bool keepDim = false) => Wrap(NativeMethods.ie_tensor_argmin(Handle, dim, keepDim ? 1 : 0));
    public Tensor Any() => Wrap(NativeMethods.ie_tensor_any(Handle));
    public Tensor All() => Wrap(NativeMethods.ie_tensor_all(Handle));
    public Tensor CumSum(long dim) => Wrap(NativeMethods.ie_tensor_cumsum(Handle, dim));

    /// <summary>The k largest (or smallest) elements along dim and their indices.</summary>
    public ValuesIndices TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out IntPtr v, out IntPtr i));
        return new(WrapOut(v)!, WrapOut(i)!);
    }

    public ValuesIndices Sort(long dim = -1, bool descending = false)
    {
        NativeCheck.Check(NativeMethods.ie_tensor_sort(Handle, dim, descending ? 1 : 0, out IntPtr v, out IntPtr i));
        return new(WrapOut(v)!, WrapOut(i)!);
    }
}
