// SparsityStats — float64 accumulators for the sparsity metrics of DESIGN §8 over batches of latents f [N, F]: l0 and
// l1 per token, and how many tokens each latent fired on (→ per-latent density, dead and dense fractions, the log10
// density histogram). A latent is active where f ≠ 0. Records are built by SparsitySuite.
namespace InterpEval.Suites;

public sealed class SparsityStats(int latents)
{
    /// <summary>A latent active on more than this fraction of tokens is dense.</summary>
    public const double DenseThreshold = 0.1;

    /// <summary>Added to densities before log10 (SAELens's log_feature_sparsity convention: dead latents sit at −10).</summary>
    public const double LogEpsilon = 1e-10;

    private readonly double[] _fired = new double[latents];

    public BatchMean L0 { get; } = new();
    public BatchMean L1 { get; } = new();

    public long Count => L0.Count;

    /// <summary>The dictionary width F the fractions are over (their resolution is 1/F).</summary>
    public int Latents => _fired.Length;

    /// <summary>Adds latents f [N, F].</summary>
    public void Add(Tensor f)
    {
        if (f.Dim != 2 || f.Size(1) != _fired.Length)
            throw new ArgumentException($"expected latents [N, {_fired.Length}], got {f.ShapeString}");
        long n = f.Size(0);
        if (n == 0) return;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var active = f.Ne(0).To(ScalarType.Float64);                                         // [N, F]
        L0.Add(active.Sum().ToDouble(), n);
        L1.Add(f.To(ScalarType.Float64).Abs().Sum().ToDouble(), n);
        double[] fired = active.Sum(0).ToArray<double>();                                    // [F]
        for (int i = 0; i < fired.Length; i++) _fired[i] += fired[i];
    }

    /// <summary>Fraction of tokens each latent fired on [F].</summary>
    public double[] Densities() => _fired.Select(c => Count == 0 ? 0 : c / Count).ToArray();

    /// <summary>log10(density + 1e-10) per latent [F] — what sparsity.safetensors stores as "sparsity".</summary>
    public double[] LogDensities() => Densities().Select(d => Math.Log10(d + LogEpsilon)).ToArray();

    /// <summary>Fraction of latents that never fired on the evaluated tokens.</summary>
    public double DeadFraction => _fired.Count(c => c == 0) / (double)_fired.Length;

    /// <summary>Fraction of latents that fired on more than 10 % of the evaluated tokens.</summary>
    public double DenseFraction => Densities().Count(d => d > DenseThreshold) / (double)_fired.Length;
}
