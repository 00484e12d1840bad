// Autograd — graph-wide autograd: grad-mode scopes and torch.autograd.grad with grad outputs.
using InterpEval.Torch.Native;

namespace InterpEval.Torch;

public static class Autograd
{
    /// <summary>Whether operations on this thread are being recorded for autograd.</summary>
    public static bool IsGradEnabled => NativeMethods.ie_grad_enabled() == 1;

    /// <summary>Disables gradient recording on this thread until disposed (torch.no_grad()).</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables gradient recording on this thread until disposed (torch.enable_grad()).</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>
    /// Gradients of outputs w.r.t. inputs (torch.autograd.grad). gradOutputs weights each output (null entries or a
    /// null list mean ones for scalar outputs). An input the outputs do not depend on gives null when allowUnused.
    /// </summary>
    public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? gradOutputs = null,
        bool retainGraph = false, bool createGraph = false, bool allowUnused = false)
    {
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"gradOutputs has {gradOutputs.Count} entries for {outputs.Count} outputs");
        IntPtr[]? rawGradOutputs = gradOutputs?.Select(g => g?.RawHandle ?? IntPtr.Zero).ToArray();
        var results = new IntPtr[inputs.Count];
        NativeCheck.Check(NativeMethods.ie_autograd_grad(Tensor.RawHandles(outputs), outputs.Count, Tensor.RawHandles(inputs), inputs.Count,
            rawGradOutputs!, retainGraph ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, results));
        GC.KeepAlive(outputs);
        GC.KeepAlive(inputs);
        GC.KeepAlive(gradOutputs);
        return results.Select(Tensor.WrapOut).ToArray();
    }
}

/// <summary>Restores the previous grad mode of its thread when disposed.</summary>
public sealed class GradModeScope : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal GradModeScope(bool enabled)
    {
        _previous = Autograd.IsGradEnabled;
        NativeMethods.ie_set_grad_enabled(enabled ? 1 : 0);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMethods.ie_set_grad_enabled(_previous ? 1 : 0);
    }
}
