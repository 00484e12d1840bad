// Tensor autograd members: requires_grad, backward, the accumulated .grad. Graph-wide helpers (no-grad scopes,
// autograd.grad) live in Autograd.cs.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public sealed partial class Tensor
{
    public bool RequiresGrad
    {
        get => NativeCheck.Check(NativeMethods.ie_tensor_requires_grad(Handle)) == 1;
        set => NativeCheck.Check(NativeMethods.ie_tensor_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets requires_grad and returns this (for initialisers).</summary>
    public Tensor RequiresGrad_(bool requires = true)
    {
        RequiresGrad = requires;
        return this;
    }

    public bool IsLeaf => NativeCheck.Check(NativeMethods.ie_tensor_is_leaf(Handle)) == 1;

    /// <summary>The accumulated gradient (a new handle to it), or null when none has been computed.</summary>
    public Tensor? Grad
    {
        get
        {
            NativeCheck.Check(NativeMethods.ie_tensor_grad(Handle, out IntPtr g));
            return WrapOut(g);
        }
        set => NativeCheck.Check(NativeMethods.ie_tensor_set_grad(Handle, value?.Handle ?? TensorHandle.Null));
    }

    /// <summary>Zeroes the accumulated gradient in place (keeps its storage).</summary>
    public void ZeroGrad() => NativeCheck.Check(NativeMethods.ie_tensor_zero_grad(Handle));

    /// <summary>Drops the accumulated gradient (grad becomes null).</summary>
    public void ClearGrad() => Grad = null;

    /// <summary>Back-propagates from this tensor; a non-scalar needs gradient (the vector in the vector-Jacobian product).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        NativeCheck.Check(NativeMethods.ie_tensor_backward(Handle, gradient?.Handle ?? TensorHandle.Null, retainGraph ? 1 : 0, createGraph ? 1 : 0));
}
