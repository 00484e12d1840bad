// P/Invoke declarations for native/src/tensor.cpp: handle lifetime, metadata, data in and out.
// Names follow the shim one for one; the managed API lives in Tensor*.cs.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    internal const string Lib = "ie_torch";

    [LibraryImport(Lib)] internal static partial void ie_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_undefined();
    [LibraryImport(Lib)] internal static partial int ie_tensor_ndim(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_shape(TensorHandle t, Span<long> shape, int capacity);
    [LibraryImport(Lib)] internal static partial int ie_tensor_dtype(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_device_type(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_device_index(TensorHandle t, out int index);
    [LibraryImport(Lib)] internal static partial int ie_tensor_numel(TensorHandle t, out long numel);
    [LibraryImport(Lib)] internal static partial int ie_tensor_is_contiguous(TensorHandle t);
    [LibraryImport(Lib)] internal static partial IntPtr ie_tensor_to_string(TensorHandle t);
    [LibraryImport(Lib)] internal static unsafe partial TensorHandle ie_tensor_from_data(void* data, long nbytes, ReadOnlySpan<long> shape, int ndim, int dtype, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static unsafe partial int ie_tensor_copy_to(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial double ie_tensor_item_double(TensorHandle t, out int status);
    [LibraryImport(Lib)] internal static partial long ie_tensor_item_long(TensorHandle t, out int status);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_to_dtype(TensorHandle t, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_to_device(TensorHandle t, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_clone(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_detach(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_alias(TensorHandle t);
}
