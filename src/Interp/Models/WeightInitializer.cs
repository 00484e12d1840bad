// WeightInitializer — GPT-2's initialisation as a weight source (Radford et al. 2019): weights N(0, 0.02), residual
// output projections N(0, 0.02/√(2·n_layer)), biases 0, norm gains 1; seeded, so a model built from it is
// reproducible. It only creates tensors; it knows nothing of training.
namespace InterpEval.Interp.Models;

public sealed class WeightInitializer(int nLayers, ulong seed) : IWeightSource, IDisposable
{
    private readonly Generator _generator = new(seed);

    public bool Contains(string key) => !key.StartsWith("lm_head", StringComparison.Ordinal) && !key.StartsWith("transformer.", StringComparison.Ordinal);

    public Tensor Load(string key, long[] expectedShape, Device device)
    {
        using var scope = DisposeScope.Enter();
        bool isNorm = key.Contains("ln_") || key.Contains("norm");
        Tensor t;
        if (key.EndsWith(".bias", StringComparison.Ordinal)) t = Tensor.Zeros(expectedShape);
        else if (isNorm) t = Tensor.Ones(expectedShape);
        else
        {
            bool residualOut = key.EndsWith("c_proj.weight", StringComparison.Ordinal) || key.EndsWith("o_proj.weight", StringComparison.Ordinal)
                               || key.EndsWith("down_proj.weight", StringComparison.Ordinal);
            double std = residualOut ? 0.02 / Math.Sqrt(2.0 * nLayers) : 0.02;
            t = Tensor.Randn(expectedShape, _generator) * std;
        }
        return scope.MoveOut(t.To(device));
    }

    public void Dispose() => _generator.Dispose();
}
