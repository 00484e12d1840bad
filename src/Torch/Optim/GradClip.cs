// GradClip — gradient-norm clipping over a set of parameters (torch.nn.utils.clip_grad_norm_).
using InterpEval.Torch.Native;

namespace InterpEval.Torch.Optim;

public static class GradClip
{
    /// <summary>Scales all gradients so their joint 2-norm is at most maxNorm; returns the norm before clipping.</summary>
    public static double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        NativeCheck.Check(NativeMethods.ie_clip_grad_norm(Tensor.RawHandles(parameters), parameters.Count, maxNorm, out double total));
        GC.KeepAlive(parameters);
        return total;
    }
}
