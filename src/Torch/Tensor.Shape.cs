// Tensor shape ops: views and reshapes, slicing, indexing, joining, masking. Views share storage with their base.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed partial class Tensor
{
    public Tensor View(params long[] shape) => Wrap(NativeMethods.ie_tensor_view(Handle, shape, shape.Length));

    public Tensor Reshape(params long[] shape) => Wrap(NativeMethods.ie_tensor_reshape(Handle, shape, shape.Length));

    public Tensor Permute(params long[] dims) => Wrap(NativeMethods.ie_tensor_permute(Handle, dims, dims.Length));

    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.ie_tensor_transpose(Handle, dim0, dim1));

    /// <summary>The transpose of a 2-D tensor.</summary>
    public Tensor T => Transpose(0, 1);

    public Tensor Contiguous() => Wrap(NativeMethods.ie_tensor_contiguous(Handle));

    public Tensor Flatten(long startDim = 0, long endDim = -1) => Wrap(NativeMethods.ie_tensor_flatten(Handle, startDim, endDim));

    /// <summary>length elements of dim starting at start (a view).</summary>
    public Tensor Narrow(long dim, long start, long length) => Wrap(NativeMethods.ie_tensor_narrow(Handle, dim, start, length));

    /// <summary>Python's t[..., start:end:step, ...] on one dim (a view); end is clamped to the size.</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => Wrap(NativeMethods.ie_tensor_slice(Handle, dim, start, end, step));

    /// <summary>t[..., index, ...]: removes dim (a view).</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeMethods.ie_tensor_select(Handle, dim, index));

    public Tensor IndexSelect(long dim, Tensor index) => Wrap(NativeMethods.ie_tensor_index_select(Handle, dim, index.Handle));

    public Tensor Gather(long dim, Tensor index) => Wrap(NativeMethods.ie_tensor_gather(Handle, dim, index.Handle));

    /// <summary>Out-of-place scatter: a copy of this with src written at index along dim.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor src) => Wrap(NativeMethods.ie_tensor_scatter(Handle, dim, index.Handle, src.Handle));

    /// <summary>Out-of-place scatter-add: a copy of this with src added at index along dim.</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor src) => Wrap(NativeMethods.ie_tensor_scatter_add(Handle, dim, index.Handle, src.Handle));

    /// <summary>A copy with values written where the boolean mask is true (t[mask] = values).</summary>
    public Tensor IndexPut(Tensor mask, Tensor values) => Wrap(NativeMethods.ie_tensor_index_put(Handle, mask.Handle, values.Handle));

    /// <summary>The elements where mask is true, as 1-D.</summary>
    public Tensor MaskedSelect(Tensor mask) => Wrap(NativeMethods.ie_tensor_masked_select(Handle, mask.Handle));

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var raw = RawHandles(tensors);
        var result = Wrap(NativeMethods.ie_tensor_cat(raw, raw.Length, dim));
        GC.KeepAlive(tensors);
        return result;
    }

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var raw = RawHandles(tensors);
        var result = Wrap(NativeMethods.ie_tensor_stack(raw, raw.Length, dim));
        GC.KeepAlive(tensors);
        return result;
    }

    public Tensor Squeeze(long dim) => Wrap(NativeMethods.ie_tensor_squeeze(Handle, dim));

    public Tensor Unsqueeze(long dim) => Wrap(NativeMethods.ie_tensor_unsqueeze(Handle, dim));

    /// <summary>Broadcasts size-1 dims to shape (a view; -1 keeps a dim).</summary>
    public Tensor Expand(params long[] shape) => Wrap(NativeMethods.ie_tensor_expand(Handle, shape, shape.Length));

    public Tensor Repeat(params long[] repeats) => Wrap(NativeMethods.ie_tensor_repeat(Handle, repeats, repeats.Length));

    /// <summary>Elementwise choice: a where condition is true, b elsewhere (broadcasting).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Wrap(NativeMethods.ie_tensor_where(condition.Handle, a.Handle, b.Handle));

    public Tensor MaskedFill(Tensor mask, double value) => Wrap(NativeMethods.ie_tensor_masked_fill(Handle, mask.Handle, value));

    /// <summary>Lower triangle (elements above the diagonal-th diagonal zeroed).</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(NativeMethods.ie_tensor_tril(Handle, diagonal));

    public Tensor Triu(long diagonal = 0) => Wrap(NativeMethods.ie_tensor_triu(Handle, diagonal));

    /// <summary>Indices of non-zero elements, [count, dim] int64.</summary>
    public Tensor Nonzero() => Wrap(NativeMethods.ie_tensor_nonzero(Handle));
}
