// P/Invoke declarations for native/src/custom_ops.cpp: hand-written-gradient ops (JumpReLU, step).
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_jumprelu(TensorHandle x, TensorHandle threshold, double bandwidth);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_step(TensorHandle x, TensorHandle threshold, double bandwidth);
}
