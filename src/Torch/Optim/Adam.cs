// Adam — Adam and AdamW (decoupled weight decay) updating parameters in place; the moments are tensors this object
// owns and exposes, so a checkpoint can save and restore them exactly. The update runs in the shim
// (native/src/optim.cpp) and matches torch.optim.Adam / AdamW with amsgrad off.
using InterpEval.Torch.Native;

namespace InterpEval.Torch.Optim;

public sealed record AdamOptions(double LearningRate = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8,
    double WeightDecay = 0, bool Decoupled = false)
{
    /// <summary>AdamW defaults (weight decay 0.01, decoupled).</summary>
    public static AdamOptions AdamW(double learningRate = 1e-3, double weightDecay = 0.01) =>
        new(learningRate, WeightDecay: weightDecay, Decoupled: true);
}

public sealed class Adam : IDisposable
{
    private readonly Tensor[] _params;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;

    public Adam(IReadOnlyList<Tensor> parameters, AdamOptions? options = null)
    {
        Options = options ?? new AdamOptions();
        LearningRate = Options.LearningRate;
        _params = parameters.ToArray();
        using (Autograd.NoGrad())
        {
            _expAvg = _params.Select(p => ZerosLike(p)).ToArray();
            _expAvgSq = _params.Select(p => ZerosLike(p)).ToArray();
        }
    }

    public AdamOptions Options { get; }

    /// <summary>The current learning rate (schedulers change it between steps).</summary>
    public double LearningRate { get; set; }

    /// <summary>Number of updates taken so far.</summary>
    public long StepCount { get; set; }

    public IReadOnlyList<Tensor> Parameters => _params;

    /// <summary>First-moment estimates, one per parameter (for checkpoints).</summary>
    public IReadOnlyList<Tensor> ExpAvg => _expAvg;

    /// <summary>Second-moment estimates, one per parameter (for checkpoints).</summary>
    public IReadOnlyList<Tensor> ExpAvgSq => _expAvgSq;

    /// <summary>One update from the parameters' accumulated gradients.</summary>
    public void Step()
    {
        StepCount++;
        NativeCheck.Check(NativeMethods.ie_adam_step(Tensor.RawHandles(_params), Tensor.RawHandles(_expAvg), Tensor.RawHandles(_expAvgSq),
            _params.Length, StepCount, LearningRate, Options.Beta1, Options.Beta2, Options.Eps, Options.WeightDecay, Options.Decoupled ? 1 : 0));
        GC.KeepAlive(this);
    }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _params) p.ZeroGrad();
    }

    public void Dispose()
    {
        foreach (var t in _expAvg.Concat(_expAvgSq)) t.Dispose();
    }

    private static Tensor ZerosLike(Tensor p) => Tensor.Zeros(p.Shape, p.Dtype, p.Device).DetachFromScopes();
}
