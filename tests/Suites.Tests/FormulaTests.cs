// FormulaTests — each metric formula on a hand-built case with a known answer: batch means and their stderr,
// reconstruction (mse, fvu about the mean, cosine, l2_ratio, rel_bias), sparsity (l0, l1, dead/dense, densities),
// the density histogram, and next-token CE / KL / top-1.
namespace InterpEval.Suites.Tests;

public class FormulaTests
{
    [Test]
    public void BatchMeanIsTheTokenMeanAndItsStderrTheSpreadOfBatchMeans()
    {
        var m = new BatchMean();
        Assert.That(m.Mean, Is.NaN);
        m.Add(6, 3);                                                // batch mean 2
        Assert.That(m.Stderr, Is.Null, "one batch has no spread");
        m.Add(4, 1);                                                // batch mean 4
        m.Add(0, 0);                                                // empty batches are skipped
        Assert.That(m.Mean, Is.EqualTo(10.0 / 4).Within(1e-15));
        Assert.That(m.Batches, Is.EqualTo(2));
        // sd(2, 4) = √2 (n − 1); stderr = √2 / √2 = 1.
        Assert.That(m.Stderr, Is.EqualTo(1).Within(1e-12));
    }

    [Test]
    public void BatchMeanStderrIsZeroForEqualBatchesAndSurvivesALargeOffset()
    {
        var same = new BatchMean();
        for (int i = 0; i < 5; i++) same.Add(10, 4);
        Assert.That(same.Stderr, Is.EqualTo(0).Within(1e-15));

        var offset = new BatchMean();
        double[] means = [1, 2, 3, 4];                              // sd = √(5/3), stderr = √(5/3)/2
        foreach (double x in means) offset.Add(1e9 + x, 1);
        Assert.That(offset.Stderr, Is.EqualTo(Math.Sqrt(5.0 / 3) / 2).Within(1e-6));
    }

    [Test]
    public void ReconstructionFormulasOnAHandCase()
    {
        using var scope = DisposeScope.Enter();
        var y = Tensor.From(new float[] { 1, 0, 0, 1 }, 2, 2);
        var yHat = Tensor.From(new float[] { 2, 0, 0, 0.5f }, 2, 2);
        var s = new ReconstructionStats();
        s.Add(y, yHat);
        // residuals 1 and 0.25; ȳ = (0.5, 0.5), Σ‖y − ȳ‖² = 1.
        Assert.That(s.Mse.Mean, Is.EqualTo(0.625).Within(1e-12));
        Assert.That(s.TotalVariance, Is.EqualTo(1).Within(1e-12));
        Assert.That(s.Fvu, Is.EqualTo(1.25).Within(1e-12));
        Assert.That(s.Fve, Is.EqualTo(-0.25).Within(1e-12));
        Assert.That(s.Cosine.Mean, Is.EqualTo(1).Within(1e-12));
        Assert.That(s.L2Ratio.Mean, Is.EqualTo(1.25).Within(1e-12));                        // (2 + 0.5) / 2
        Assert.That(s.RelBias, Is.EqualTo(4.25 / 2.5).Within(1e-12));                       // Σ‖ŷ‖² / Σ⟨y, ŷ⟩
    }

    [Test]
    public void CosineOfOrthogonalAndZeroPredictionsIsZero()
    {
        using var scope = DisposeScope.Enter();
        var s = new ReconstructionStats();
        s.Add(Tensor.From(new float[] { 1, 0, 0, 1 }, 2, 2), Tensor.From(new float[] { 0, 3, 0, 0 }, 2, 2));
        Assert.That(s.Cosine.Mean, Is.EqualTo(0).Within(1e-12));
        Assert.That(s.L2Ratio.Mean, Is.EqualTo(1.5).Within(1e-12));
    }

    [Test]
    public void FvuIsAboutTheMeanOverAllBatchesNotPerBatch()
    {
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(5);
        var y = Tensor.Randn([40, 6], gen, ScalarType.Float64) + 3;
        var yHat = y + Tensor.Randn([40, 6], gen, ScalarType.Float64) * 0.3;
        var whole = new ReconstructionStats();
        whole.Add(y, yHat);
        var split = new ReconstructionStats();
        for (int i = 0; i < 4; i++) split.Add(y.Narrow(0, i * 10, 10), yHat.Narrow(0, i * 10, 10));
        Assert.That(split.Fvu, Is.EqualTo(whole.Fvu).Within(1e-12));
        Assert.That(whole.Fvu, Is.EqualTo(SlowFvu(y, yHat)).Within(1e-12));
        Assert.That(split.Mse.Stderr, Is.Not.Null.And.GreaterThan(0));
    }

    [Test]
    public void FveIsAboutTheMeanNotZero_ALargeConstantOffsetChangesNothing()
    {
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(7);
        var y = Tensor.Randn([64, 8], gen, ScalarType.Float64);
        var yHat = y + Tensor.Randn([64, 8], gen, ScalarType.Float64) * 0.5;
        var plain = new ReconstructionStats();
        var offset = new ReconstructionStats();
        for (int i = 0; i < 4; i++)
        {
            plain.Add(y.Narrow(0, i * 16, 16), yHat.Narrow(0, i * 16, 16));
            offset.Add(y.Narrow(0, i * 16, 16) + 1e6, yHat.Narrow(0, i * 16, 16) + 1e6);
        }
        Assert.That(offset.Fve, Is.EqualTo(plain.Fve).Within(1e-6));
        Assert.That(plain.Fve, Is.EqualTo(1 - SlowFvu(y, yHat)).Within(1e-12));
        Assert.That(plain.Fve, Is.LessThan(0.9), "the residual is a quarter of the variance");
        // The variant about zero, Σ‖y − ŷ‖² / Σ‖y‖², calls the offset data almost perfect.
        double aboutZero = 1 - offset.Mse.Mean * offset.Count / (y + 1e6).Pow(2).Sum().ToDouble();
        Assert.That(aboutZero, Is.GreaterThan(0.999999));
    }

    [Test]
    public void SparsityFormulasOnAHandCase()
    {
        using var scope = DisposeScope.Enter();
        var f = Tensor.From(new float[] { 1, 0, -2, 0, 0, 0, 3, 0, 0.5f, 0, 1, 0 }, 3, 4);
        var s = new SparsityStats(4);
        s.Add(f.Narrow(0, 0, 2));
        s.Add(f.Narrow(0, 2, 1));
        Assert.That(s.L0.Mean, Is.EqualTo(5.0 / 3).Within(1e-12));
        Assert.That(s.L1.Mean, Is.EqualTo(7.5 / 3).Within(1e-12));
        Assert.That(s.Densities(), Is.EqualTo(new[] { 2.0 / 3, 0, 1, 0 }).Within(1e-12));
        Assert.That(s.DeadFraction, Is.EqualTo(0.5));
        Assert.That(s.DenseFraction, Is.EqualTo(0.5));
        Assert.That(s.LogDensities()[1], Is.EqualTo(-10).Within(1e-9), "a dead latent sits at log10(1e-10)");
        Assert.That(s.LogDensities()[0], Is.EqualTo(Math.Log10(2.0 / 3)).Within(1e-9));
    }

    [Test]
    public void DenseMeansMoreThanTenPercentOfTokens()
    {
        using var scope = DisposeScope.Enter();
        var s = new SparsityStats(2);
        var f = Tensor.Zeros([20, 2]);
        f.Narrow(0, 0, 2).Narrow(1, 0, 1).Fill_(1);                 // latent 0 on 2/20 = 10 %: not dense
        f.Narrow(0, 0, 3).Narrow(1, 1, 1).Fill_(1);                 // latent 1 on 3/20 = 15 %: dense
        s.Add(f);
        Assert.That(s.DenseFraction, Is.EqualTo(0.5));
        Assert.That(s.DeadFraction, Is.EqualTo(0));
    }

    [Test]
    public void HistogramBinsLogDensities()
    {
        var h = DensityHistogram.From([-10, -9.6, -9.5, -0.2, 0, 3, -20], min: -10, max: 0, bins: 20);
        Assert.That(h.Edges.Length, Is.EqualTo(21));
        Assert.That(h.Edges[1], Is.EqualTo(-9.5).Within(1e-12));
        Assert.That(h.Counts[0], Is.EqualTo(3), "−10, −9.6 and the out-of-range −20");
        Assert.That(h.Counts[1], Is.EqualTo(1), "−9.5 opens the second bin");
        Assert.That(h.Counts[19], Is.EqualTo(3), "−0.2, 0 and the out-of-range 3");
        Assert.That(h.Counts.Sum(), Is.EqualTo(7));
    }

    [Test]
    public void CrossEntropyKlAndTop1OnAHandCase()
    {
        using var scope = DisposeScope.Enter();
        var p = Tensor.From(new float[] { 0.5f, 0.5f, 0.9f, 0.1f }, 2, 2).Log();
        var q = Tensor.From(new float[] { 0.25f, 0.75f, 0.8f, 0.2f }, 2, 2).Log();
        var targets = Tensor.From(new long[] { 1, 0 }, 2);
        Assert.That(NextTokenScores.CrossEntropySum(p, targets), Is.EqualTo(-Math.Log(0.5) - Math.Log(0.9)).Within(1e-6));
        double kl = 0.5 * Math.Log(0.5 / 0.25) + 0.5 * Math.Log(0.5 / 0.75) + 0.9 * Math.Log(0.9 / 0.8) + 0.1 * Math.Log(0.1 / 0.2);
        Assert.That(NextTokenScores.KlSum(p, q), Is.EqualTo(kl).Within(1e-6));
        Assert.That(NextTokenScores.KlSum(p, p), Is.EqualTo(0).Within(1e-12));
        // Row 0 ties at 0.5/0.5 (argmax 0) vs 0.75 at 1: disagree; row 1 agrees.
        Assert.That(NextTokenScores.Top1Agreements(p, q), Is.EqualTo(1));
    }

    [Test]
    public void CeLossRecoveredIsTheFractionOfTheAblationGapClosed()
    {
        using var scope = DisposeScope.Enter();
        // Two tokens, vocab 2, target 0: clean p₀ = 0.9, spliced 0.6, zero-ablated 0.3, mean-ablated 0.5.
        Tensor L(float p0) => Tensor.From(new float[] { p0, 1 - p0, p0, 1 - p0 }, 2, 2).Log();
        var s = new FidelityStats();
        s.Add(L(0.9f), L(0.6f), L(0.3f), L(0.5f), Tensor.From(new long[] { 0, 0 }, 2));
        double clean = -Math.Log(0.9), spliced = -Math.Log(0.6), zero = -Math.Log(0.3), mean = -Math.Log(0.5);
        Assert.That(s.CeLossRecovered, Is.EqualTo((zero - spliced) / (zero - clean)).Within(1e-6));
        Assert.That(s.CeLossRecoveredMean, Is.EqualTo((mean - spliced) / (mean - clean)).Within(1e-6));
        Assert.That(s.CeDelta.Mean, Is.EqualTo(spliced - clean).Within(1e-6));
    }

    // Two-pass Σ‖y − ŷ‖² / Σ‖y − ȳ‖² in managed doubles.
    private static double SlowFvu(Tensor y, Tensor yHat)
    {
        int n = (int)y.Size(0), d = (int)y.Size(1);
        double[] a = y.To(ScalarType.Float64).Contiguous().ToArray<double>(), b = yHat.To(ScalarType.Float64).Contiguous().ToArray<double>();
        var mean = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += a[i * d + j] / n;
        double res = 0, tot = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                res += Math.Pow(a[i * d + j] - b[i * d + j], 2);
                tot += Math.Pow(a[i * d + j] - mean[j], 2);
            }
        return res / tot;
    }
}
