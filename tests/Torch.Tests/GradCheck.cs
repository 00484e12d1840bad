// GradCheck — compares autograd gradients with central finite differences in float64 (the reference for every
// differentiable op). The function's output is projected on a fixed random direction so any output shape works.
namespace InterpEval.Torch.Tests;

internal static class GradCheck
{
    /// <summary>Asserts that d(⟨f(inputs), w⟩)/d(inputs) from autograd matches central differences (step h).</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double h = 1e-6, double tol = 1e-6, string op = "")
    {
        using var scope = DisposeScope.Enter();
        var leaves = inputs.Select(x => x.To(ScalarType.Float64).Detach().RequiresGrad_()).ToArray();
        using var gen = new Generator(1234);
        var output = f(leaves);
        var direction = Tensor.Randn(output.Shape, gen, ScalarType.Float64);
        var analytic = Autograd.Grad([(output * direction).Sum()], leaves, allowUnused: true);
        for (int i = 0; i < leaves.Length; i++)
        {
            var numeric = Numeric(f, leaves, i, direction, h);
            var got = analytic[i]?.Values() ?? new double[numeric.Length];
            for (int j = 0; j < numeric.Length; j++)
                Assert.That(got[j], Is.EqualTo(numeric[j]).Within(tol + tol * Math.Abs(numeric[j])),
                    $"{op}: d/d(input {i})[{j}] autograd {got[j]} vs finite difference {numeric[j]}");
        }
    }

    private static double[] Numeric(Func<Tensor[], Tensor> f, Tensor[] leaves, int which, Tensor direction, double h)
    {
        using var noGrad = Autograd.NoGrad();
        var baseValues = leaves[which].Values();
        var shape = leaves[which].Shape;
        var result = new double[baseValues.Length];
        for (int j = 0; j < baseValues.Length; j++)
        {
            using var scope = DisposeScope.Enter();
            result[j] = (Evaluate(f, leaves, which, Perturbed(baseValues, j, +h), shape, direction)
                       - Evaluate(f, leaves, which, Perturbed(baseValues, j, -h), shape, direction)) / (2 * h);
        }
        return result;
    }

    private static double[] Perturbed(double[] values, int j, double delta)
    {
        var copy = (double[])values.Clone();
        copy[j] += delta;
        return copy;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] leaves, int which, double[] values, long[] shape, Tensor direction)
    {
        var args = leaves.Select((t, k) => k == which ? Tensor.From<double>(values, shape) : t.Detach()).ToArray();
        return (f(args) * direction).Sum().ToDouble();
    }
}
