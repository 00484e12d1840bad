// ReconstructionStats — float64 accumulators for the reconstruction metrics of DESIGN §8 over batches of targets y and
// predictions ŷ [N, D]: mse, fvu/fve about the MEAN of the evaluated tokens, cosine, l2_ratio, rel_bias. The total
// variance Σ‖y − ȳ‖² uses sums shifted by a fixed reference c (the first batch's mean): Σ‖y − c‖² − ‖Σ(y − c)‖²/N,
// which stays exact when y carries a large constant offset. One instance per (dictionary, layer); records are built
// by ReconstructionSuite.
namespace InterpEval.Suites;

public sealed class ReconstructionStats
{
    /// <summary>Guards cosine and l2_ratio against zero-norm rows.</summary>
    public const double NormEpsilon = 1e-12;

    private double[]? _shift;                  // c [D]
    private double[]? _shiftedSum;             // Σ (y − c) [D]
    private double _shiftedSquares;            // Σ ‖y − c‖²
    private double _residualSquares;           // Σ ‖y − ŷ‖²
    private double _predictionSquares;         // Σ ‖ŷ‖²
    private double _inner;                     // Σ ⟨y, ŷ⟩

    public BatchMean Mse { get; } = new();
    public BatchMean Cosine { get; } = new();
    public BatchMean L2Ratio { get; } = new();

    public long Count => Mse.Count;

    /// <summary>Σ‖y − ȳ‖² over every token seen.</summary>
    public double TotalVariance
    {
        get
        {
            if (_shiftedSum is null) return double.NaN;
            double meanShiftSquares = _shiftedSum.Sum(s => s * s) / Count;
            return Math.Max(0, _shiftedSquares - meanShiftSquares);
        }
    }

    /// <summary>Σ‖y − ŷ‖² / Σ‖y − ȳ‖² (NaN when the targets have no variance).</summary>
    public double Fvu => TotalVariance > 0 ? _residualSquares / TotalVariance : double.NaN;

    public double Fve => 1 - Fvu;

    /// <summary>E‖ŷ‖² / E⟨y, ŷ⟩ (the token counts cancel).</summary>
    public double RelBias => _predictionSquares / _inner;

    /// <summary>Adds targets y and predictions ŷ [N, D] (any float dtype; computed in float64).</summary>
    public void Add(Tensor y, Tensor yHat)
    {
        if (y.Dim != 2 || !y.Shape.SequenceEqual(yHat.Shape))
            throw new ArgumentException($"expected y and ŷ of the same shape [N, D], got {y.ShapeString} and {yHat.ShapeString}");
        long n = y.Size(0);
        if (n == 0) return;
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var y64 = y.To(ScalarType.Float64);                                                  // [N, D]
        var p64 = yHat.To(ScalarType.Float64);                                               // [N, D]
        var residual = (y64 - p64).Pow(2).Sum(1);                                            // [N]
        var yNorm = y64.Norm(2, 1);                                                          // [N]
        var pNorm = p64.Norm(2, 1);                                                          // [N]
        var inner = (y64 * p64).Sum(1);                                                      // [N]
        double residualSum = residual.Sum().ToDouble();
        _residualSquares += residualSum;
        Mse.Add(residualSum, n);
        Cosine.Add((inner / (yNorm * pNorm).Clamp(min: NormEpsilon)).Sum().ToDouble(), n);
        L2Ratio.Add((pNorm / yNorm.Clamp(min: NormEpsilon)).Sum().ToDouble(), n);
        _predictionSquares += pNorm.Pow(2).Sum().ToDouble();
        _inner += inner.Sum().ToDouble();
        AddVariance(y64);
    }

    private void AddVariance(Tensor y64)
    {
        _shift ??= y64.Mean(0).ToArray<double>();
        var shifted = y64 - Tensor.From(_shift, _shift.Length).To(y64.Device);              // [N, D]
        double[] sum = shifted.Sum(0).ToArray<double>();                                     // [D]
        _shiftedSum ??= new double[sum.Length];
        for (int i = 0; i < sum.Length; i++) _shiftedSum[i] += sum[i];
        _shiftedSquares += shifted.Pow(2).Sum().ToDouble();
    }
}
