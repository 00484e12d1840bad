// P/Invoke declarations for native/src/nn.cpp: activations, softmax, normalisation, embedding, cross-entropy.
using System.Runtime.InteropServices;

namespace InterpEval.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_relu(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_gelu(TensorHandle t, int approximate);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_silu(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_sigmoid(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_tanh(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_softmax(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_log_softmax(TensorHandle t, long dim);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_layer_norm(TensorHandle t, ReadOnlySpan<long> shape, int n, TensorHandle weight, TensorHandle bias, double eps);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_embedding(TensorHandle weight, TensorHandle indices);
    [LibraryImport(Lib)] internal static partial TensorHandle ie_tensor_cross_entropy(TensorHandle logits, TensorHandle target, int reduction, long ignore_index);
}
