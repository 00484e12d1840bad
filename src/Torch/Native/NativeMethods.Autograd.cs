// P/Invoke declarations for native/src/autograd.cpp: gradient flags, backward, grad mode, autograd.grad.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int ie_tensor_set_requires_grad(TensorHandle t, int requires);
    [LibraryImport(Lib)] internal static partial int ie_tensor_requires_grad(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_is_leaf(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_grad(TensorHandle t, out IntPtr grad);
    [LibraryImport(Lib)] internal static partial int ie_tensor_set_grad(TensorHandle t, TensorHandle grad);
    [LibraryImport(Lib)] internal static partial int ie_tensor_zero_grad(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int ie_tensor_backward(TensorHandle t, TensorHandle grad, int retain_graph, int create_graph);
    [LibraryImport(Lib)] internal static partial int ie_grad_enabled();
    [LibraryImport(Lib)] internal static partial void ie_set_grad_enabled(int enabled);
    [LibraryImport(Lib)] internal static partial int ie_autograd_grad(IntPtr[] outputs, int n_out, IntPtr[] inputs, int n_in, IntPtr[] grad_outputs, int retain_graph, int create_graph, int allow_unused, [In, Out] IntPtr[] results);
}
