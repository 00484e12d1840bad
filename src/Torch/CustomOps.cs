// CustomOps — ops whose gradients are hand-written in C++ (native/src/custom_ops.cpp): JumpReLU and the Heaviside
// step with the straight-through estimator of Rajamanoharan et al. 2024 (rectangle kernel, bandwidth ε).
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public static class CustomOps
{
    /// <summary>x · H(x − θ); dθ uses the pseudo-derivative −(θ/ε)·K((x − θ)/ε). θ broadcasts against x.</summary>
    public static Tensor JumpRelu(Tensor x, Tensor threshold, double bandwidth) =>
        Tensor.Wrap(NativeMethods.ie_jumprelu(x.Handle, threshold.Handle, bandwidth));

    /// <summary>H(x − θ) (the L0 count per element); dx = 0, dθ = −(1/ε)·K((x − θ)/ε).</summary>
    public static Tensor Step(Tensor x, Tensor threshold, double bandwidth) =>
        Tensor.Wrap(NativeMethods.ie_step(x.Handle, threshold.Handle, bandwidth));
}
