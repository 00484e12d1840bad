// Tensor neural-network functions: activations, softmax, layer norm, embedding lookup, cross-entropy.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

/// <summary>How a loss reduces over its elements (numbered as at::Reduction).</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

public sealed partial class Tensor
{
    public Tensor Relu() => Wrap(NativeMethods.ie_tensor_relu(Handle));

    /// <summary>GELU; tanhApproximation = true is GPT-2's "gelu_new".</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Wrap(NativeMethods.ie_tensor_gelu(Handle, tanhApproximation ? 1 : 0));
    public Tensor Silu() => Wrap(NativeMethods.ie_tensor_silu(Handle));
    public Tensor Sigmoid() => Wrap(NativeMethods.ie_tensor_sigmoid(Handle));
    public Tensor Tanh() => Wrap(NativeMethods.ie_tensor_tanh(Handle));
    public Tensor Softmax(long dim) => Wrap(NativeMethods.ie_tensor_softmax(Handle, dim));
    public Tensor LogSoftmax(long dim) => Wrap(NativeMethods.ie_tensor_log_softmax(Handle, dim));

    /// <summary>Layer norm over the trailing dims in normalizedShape, with optional affine weight and bias.</summary>
    public Tensor LayerNorm(long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Wrap(NativeMethods.ie_tensor_layer_norm(Handle, normalizedShape, normalizedShape.Length,
            weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null, eps));

    /// <summary>Rows of weight [vocab, d] picked by int64 indices of any shape.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices) => Wrap(NativeMethods.ie_tensor_embedding(weight.Handle, indices.Handle));

    /// <summary>Cross-entropy of logits [N, C] against int64 class targets [N]; ignoreIndex targets are skipped.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean, long ignoreIndex = -100) =>
        Wrap(NativeMethods.ie_tensor_cross_entropy(logits.Handle, targets.Handle, (int)reduction, ignoreIndex));
}
