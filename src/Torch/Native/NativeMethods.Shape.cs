// P/Invoke declarations for native/src/shape.cpp: views, slicing, indexing, joining, masking.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_view(TensorHandle t, ReadOnlySpan<long> shape, int n);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_reshape(TensorHandle t, ReadOnlySpan<long> shape, int n);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_permute(TensorHandle t, ReadOnlySpan<long> dims, int n);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_transpose(TensorHandle t, long dim0, long dim1);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_contiguous(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_flatten(TensorHandle t, long start, long end);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_narrow(TensorHandle t, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_slice(TensorHandle t, long dim, long start, long end, long step);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_select(TensorHandle t, long dim, long index);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_index_select(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_gather(TensorHandle t, long dim, TensorHandle index);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_scatter(TensorHandle t, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_scatter_add(TensorHandle t, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_index_put(TensorHandle t, TensorHandle mask, TensorHandle values);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_masked_select(TensorHandle t, TensorHandle mask);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_cat(IntPtr[] ts, int n, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_stack(IntPtr[] ts, int n, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_squeeze(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_unsqueeze(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_expand(TensorHandle t, ReadOnlySpan<long> shape, int n);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_repeat(TensorHandle t, ReadOnlySpan<long> repeats, int n);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_where(TensorHandle cond, TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_masked_fill(TensorHandle t, TensorHandle mask, double value);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_tril(TensorHandle t, long diagonal);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_triu(TensorHandle t, long diagonal);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_nonzero(TensorHandle t);
}
