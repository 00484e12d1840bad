// SyntheticSuperposition — ground-truth data for dictionary learning (DESIGN §8): G unit-norm true features in d
// dimensions (G > d, so they are in superposition); each sample switches on about s of them with random magnitudes,
// optionally correlated within small groups, and is their weighted sum. Seeded: the same options give the same
// features and samples. It does not train or score anything (FeatureRecovery scores).
namespace InterpEval.Interp.Dictionaries.GroundTruth;

/// <param name="Dim">d, the width of the activations.</param>
/// <param name="Features">G, the number of true features.</param>
/// <param name="ActivePerSample">s, the expected number of active features per sample (each is on with probability s/G).</param>
/// <param name="MinMagnitude">Smallest coefficient of an active feature (magnitudes are uniform in [min, max]).</param>
/// <param name="MaxMagnitude">Largest coefficient of an active feature.</param>
/// <param name="Correlation">ρ ∈ [0, 1): features in the same group of GroupSize switch on together more often (a
/// Gaussian copula with correlation ρ inside a group); 0 = independent. The marginal rate stays s/G.</param>
/// <param name="GroupSize">Features per correlated group.</param>
/// <param name="Seed">Seeds the features; samples come from a generator the caller passes.</param>
public sealed record SuperpositionOptions(
    int Dim, int Features, double ActivePerSample,
    double MinMagnitude = 0.5, double MaxMagnitude = 1.5, double Correlation = 0, int GroupSize = 4, ulong Seed = 0)
{
    public SuperpositionOptions Validate()
    {
        if (Dim < 1 || Features < 1) throw new ArgumentException($"need d ≥ 1 and G ≥ 1, got d = {Dim}, G = {Features}");
        if (!(ActivePerSample > 0 && ActivePerSample <= Features)) throw new ArgumentException($"s must be in (0, G = {Features}], got {ActivePerSample}");
        if (!(MinMagnitude >= 0 && MaxMagnitude >= MinMagnitude)) throw new ArgumentException($"magnitudes must satisfy 0 ≤ min ≤ max, got [{MinMagnitude}, {MaxMagnitude}]");
        if (!(Correlation >= 0 && Correlation < 1)) throw new ArgumentException($"correlation must be in [0, 1), got {Correlation}");
        if (GroupSize < 1) throw new ArgumentException($"group size must be ≥ 1, got {GroupSize}");
        return this;
    }
}

/// <param name="Activations">x [N, d] = c F.</param>
/// <param name="Coefficients">c [N, G]: each sample's feature magnitudes (0 where off).</param>
public sealed record SuperpositionBatch(Tensor Activations, Tensor Coefficients);

public sealed class SyntheticSuperposition : IDisposable
{
    public SyntheticSuperposition(SuperpositionOptions options)
    {
        Options = options.Validate();
        using var generator = new Generator(options.Seed);
        using var scope = DisposeScope.Enter();
        var g = Tensor.Randn([options.Features, options.Dim], generator);                    // [G, d]
        Features = (g / g.Norm(2, 1, keepDim: true)).DetachFromScopes();
    }

    public SuperpositionOptions Options { get; }

    /// <summary>The true features F [G, d], unit-norm rows.</summary>
    public Tensor Features { get; }

    /// <summary>n samples (in the current dispose scope).</summary>
    public SuperpositionBatch Sample(int n, Generator generator)
    {
        var o = Options;
        var active = ActiveMask(n, generator);                                               // [N, G] float 0/1
        var magnitude = Tensor.Rand([n, o.Features], generator) * (o.MaxMagnitude - o.MinMagnitude) + o.MinMagnitude;
        var c = active * magnitude;                                                          // [N, G]
        return new SuperpositionBatch(c.Mm(Features), c);
    }

    /// <summary>Each feature on with probability p = s/G: z < Φ⁻¹(p) for z = √ρ·g_group + √(1−ρ)·ε (standard normal
    /// marginals, correlation ρ inside a group).</summary>
    private Tensor ActiveMask(int n, Generator generator)
    {
        var o = Options;
        double p = o.ActivePerSample / o.Features;
        if (o.Correlation == 0) return Tensor.Rand([n, o.Features], generator).Lt(p).To(ScalarType.Float32);
        int groups = (o.Features + o.GroupSize - 1) / o.GroupSize;
        var shared = Tensor.Randn([n, groups], generator)                                    // [N, groups]
            .Unsqueeze(2).Expand(n, groups, o.GroupSize).Reshape(n, groups * o.GroupSize).Narrow(1, 0, o.Features);
        var z = shared * Math.Sqrt(o.Correlation) + Tensor.Randn([n, o.Features], generator) * Math.Sqrt(1 - o.Correlation);
        return z.Lt(NormalQuantile(p)).To(ScalarType.Float32);
    }

    /// <summary>Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) return p <= 0 ? double.NegativeInfinity : double.PositiveInfinity;
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low || p > 1 - low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p < low ? p : 1 - p));
            double tail = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < low ? tail : -tail;
        }
        double r = p - 0.5, s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }

    public void Dispose() => Features.Dispose();
}
