// P/Invoke declarations for native/src/reduce.cpp: reductions, top-k, sort.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sum(TensorHandle t, ReadOnlySpan<long> dims, int n, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_mean(TensorHandle t, ReadOnlySpan<long> dims, int n, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_var(TensorHandle t, ReadOnlySpan<long> dims, int n, long correction, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_norm(TensorHandle t, double p, ReadOnlySpan<long> dims, int n, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_max_all(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_min_all(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_max_dim(TensorHandle t, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int ie_tensor_min_dim(TensorHandle t, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_argmax(TensorHandle t, long dim, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_argmin(TensorHandle t, long dim, int keepdim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_any(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_all(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_cumsum(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial int ie_tensor_topk(TensorHandle t, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int ie_tensor_sort(TensorHandle t, long dim, int descending, out IntPtr values, out IntPtr indices);
}
