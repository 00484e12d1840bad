// P/Invoke declarations for native/src/sparse_ops.cpp: the TopK SAE's sparse decode and sparse encoder gradient.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_topk_decode(TensorHandle values, TensorHandle indices, TensorHandle wDec);
    [LibraryImport(Lib)] internal static partial int ie_topk_encode(TensorHandle x, TensorHandle wEncT, TensorHandle bEnc, long k, out IntPtr values, out IntPtr indices, out IntPtr pre);
    [LibraryImport(Lib)] internal static partial int ie_topk_encode_streamed(TensorHandle x, TensorHandle wEncT, TensorHandle bEnc, long k, TensorHandle dead, long kAux,
        out IntPtr values, out IntPtr indices, out IntPtr auxIndices);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_gather_encode(TensorHandle x, TensorHandle wEncT, TensorHandle bEnc, TensorHandle indices);
}
