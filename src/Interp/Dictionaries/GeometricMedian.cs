// GeometricMedian — the point minimising the summed Euclidean distance to a sample, by Weiszfeld's iterations in
// float64 (as dictionary_learning and the geom_median package OpenAI's code uses). Used to initialise b_dec
// (Gao et al. 2024, App. A.1). It does not subsample: callers pass the sample they want.
namespace InterpEval.Interp.Dictionaries;

public static class GeometricMedian
{
    /// <summary>Weiszfeld: start at the mean, then m ← Σ wᵢxᵢ / Σ wᵢ with wᵢ = 1/max(‖xᵢ − m‖, ε), until m moves less
    /// than tol. points [N, d] → [d] float64 (in the current dispose scope).</summary>
    public static Tensor Compute(Tensor points, int maxIterations = 100, double tol = 1e-7, double eps = 1e-12)
    {
        if (points.Dim != 2 || points.Size(0) == 0) throw new ArgumentException($"points must be [N, d] with N > 0, got {points.ShapeString}", nameof(points));
        using var noGrad = Autograd.NoGrad();
        using var scope = DisposeScope.Enter();
        var x = points.Detach().To(ScalarType.Float64);                                      // [N, d]
        var median = x.Mean(0);                                                              // [d]
        for (int i = 0; i < maxIterations; i++)
        {
            var w = (x - median).Norm(2, 1).Clamp(min: eps).Pow(-1);                           // [N]
            var next = (w.Unsqueeze(1) * x).Sum(0) / w.Sum();                                // [d]
            double moved = (next - median).Norm().ToDouble();
            median = next;
            if (moved < tol) break;
        }
        return scope.MoveOut(median);
    }

    /// <summary>Σᵢ ‖xᵢ − m‖ (what the median minimises), in float64.</summary>
    public static double SumOfDistances(Tensor points, Tensor m)
    {
        using var scope = DisposeScope.Enter();
        return (points.To(ScalarType.Float64) - m.To(ScalarType.Float64)).Norm(2, 1).Sum().ToDouble();
    }
}
