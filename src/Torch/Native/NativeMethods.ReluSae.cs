// P/Invoke declarations for native/src/relu_sae.cpp: the ReLU SAE's fused objective.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int ie_relu_sae_objective(TensorHandle x, TensorHandle y, TensorHandle wEnc, TensorHandle bEnc, TensorHandle wDec, TensorHandle bDec,
        double lambda, int applyBDec, double sparseBelow, out IntPtr loss, out IntPtr mse, out IntPtr sparsity, out IntPtr pre, out IntPtr f, out IntPtr yHat,
        out IntPtr indices);
}
