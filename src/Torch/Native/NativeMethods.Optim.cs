// P/Invoke declarations for native/src/optim.cpp: Adam/AdamW step and gradient clipping.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int ie_adam_step(IntPtr[] parameters, IntPtr[] exp_avg, IntPtr[] exp_avg_sq, int n, long step, double lr, double beta1, double beta2, double eps, double weight_decay, int decoupled);
    [LibraryImport(Lib)] internal static partial int ie_clip_grad_norm(IntPtr[] parameters, int n, double max_norm, out double total_norm);
}
