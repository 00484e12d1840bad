// The fused training kernels against their dense slow twins: GatherEncode (AuxK's encoder read at chosen latents),
// TopKEncode fed a transposed (non-contiguous) encoder as the dictionaries pass it, TopKEncodeStreamed (row chunks ×
// column blocks, a grouped scan, AuxK's choice in the same pass) against the dense topk, and the ReLU SAE objective
// (every output and every gradient, float64 at 1e-10, float32 at 1e-4 relative), plus finite differences; its sparse
// path against its dense path at the same tolerances, and the density threshold that switches between them.
// Legend: N tokens, K chosen latents, S = d_sae, D = d_in, O = d_out.
namespace InterpEval.Torch.Tests;

public class FusedKernelTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    private delegate Tensor Gather(Tensor x, Tensor wEncT, Tensor bEnc, Tensor indices);
    private delegate ReluSaeTerms Objective(Tensor x, Tensor y, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, double lambda, bool apply);

    [TestCase(7, 3, 11, 5, Description = "typical, indices repeat")]
    [TestCase(40, 2, 3, 4, Description = "many tokens over 3 latents")]
    [TestCase(0, 3, 8, 5, Description = "empty batch")]
    public void GatherEncodeAgreesWithDenseTwin(int n, int k, int s, int d)
    {
        using var gen = new Generator((ulong)(n + 17 * s));
        var (x, w, b) = (Randn(gen, n, d), Randn(gen, s, d), Randn(gen, s));
        var idx = Tensor.RandInt(0, s, [n, k], gen);
        var g = Randn(gen, n, k);
        var fast = GatherResults(SparseOps.GatherEncode, x, w, b, idx, g);
        var slow = GatherResults(SparseOps.GatherEncodeReference, x, w, b, idx, g);
        string[] names = ["values", "dx", "dWEncT", "dbEnc"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(slow[i], fast[i], 1e-10, names[i]);
    }

    [Test]
    public void GatherEncodeMatchesHandComputedValuesAndRejectsBadIndices()
    {
        var x = Tensor.From(new double[] { 1, 2 }, 1, 2);
        var w = Tensor.From(new double[] { 1, 0, 0, 1, 3, -1 }, 3, 2);   // rows: latents 0, 1, 2
        var b = Tensor.From(new double[] { 10, 20, 30 }, 3);
        var v = SparseOps.GatherEncode(x, w, b, Tensor.From(new long[] { 2, 0 }, 1, 2));
        Assert.That(v.Values(), Is.EqualTo(new double[] { 3 - 2 + 30, 1 + 10 }));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.GatherEncode(x, w, b, Tensor.From(new long[] { 3 }, 1, 1)))!.Message,
            Does.Contain("GatherEncode").And.Contain("[0, 3)"));
    }

    [Test]
    public void GatherEncodeGradientsMatchFiniteDifferences()
    {
        using var gen = new Generator(9);
        var idx = Tensor.From(new long[] { 0, 3, 3, 1, 2, 0 }, 3, 2);
        GradCheck.Check(a => SparseOps.GatherEncode(a[0], a[1], a[2], idx), [Randn(gen, 3, 5), Randn(gen, 4, 5), Randn(gen, 4)], op: "GatherEncode");
    }

    [Test]
    public void TopKEncodeOfATransposedEncoderAgreesWithDenseTwin()
    {
        // The dictionaries store W_enc as [D, S] and pass W_enc.T: a non-contiguous [S, D] view.
        using var gen = new Generator(5);
        var x = Randn(gen, 9, 6);
        var wDS = Randn(gen, 6, 13);
        var b = Randn(gen, 13);
        var g = Randn(gen, 9, 4);
        double[][] Run(bool fast)
        {
            var (xl, wl, bl) = (x.Detach().RequiresGrad_(), wDS.Detach().RequiresGrad_(), b.Detach().RequiresGrad_());
            var r = fast ? SparseOps.TopKEncodeWithPre(xl, wl.T, bl, 4) : null;
            var (v, idx) = fast ? new ValuesIndices(r!.Values, r.Indices) : SparseOps.TopKEncodeReference(xl, wl.T, bl, 4);
            v.Backward(g);
            return [v.Values(), idx.Values(), xl.Grad!.Values(), wl.Grad!.Values(), bl.Grad!.Values(),
                    fast ? r!.PreActivations.Values() : Tensor.AddMm(b, x, wDS).Values()];
        }
        var (f, s) = (Run(true), Run(false));
        string[] names = ["values", "indices", "dx", "dWEnc", "dbEnc", "pre"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(s[i], f[i], 1e-10, names[i]);
    }

    [Test]
    public void TopKEncodeSelectsLikeTorchTopKWithTiesAndNaN()
    {
        // x = 0, so pre = b: equal values (latents 1, 3, 4 at 2.0) and a NaN (latent 5), which at::topk ranks first.
        var x = Tensor.Zeros([2, 3], ScalarType.Float64);
        var w = Tensor.Zeros([7, 3], ScalarType.Float64);
        var b = Tensor.From(new double[] { 1, 2, -1, 2, 2, double.NaN, 0.5 });
        var fast = SparseOps.TopKEncode(x, w, b, 3);
        var slow = Tensor.AddMm(b, x, w.T).TopK(3, dim: 1);
        Assert.That(fast.Indices.Longs()[0], Is.EqualTo(5), "NaN ranks first");
        Assert.That(double.IsNaN(fast.Values.Values()[0]));
        Assert.That(slow.Indices.Longs()[0], Is.EqualTo(5), "at::topk ranks NaN first too");
        Assert.That(slow.Indices.Longs().Skip(1).Take(2), Is.SubsetOf(new long[] { 1, 3, 4 }), "and keeps two of the equal values");
        Assert.That(fast.Indices.Longs().Take(3), Is.EqualTo(new long[] { 5, 1, 3 }), "equal values: the lower index first");
        Assert.That(fast.Values.Values().Skip(1).Take(2), Is.EqualTo(new double[] { 2, 2 }));
    }

    [TestCase(9, 2500, 5, Description = "three column blocks, the last one partial")]
    [TestCase(4, 300, 7, Description = "one block narrower than the block width")]
    [TestCase(300, 1100, 9, Description = "two row chunks of 256 tokens (the last partial) and three column blocks of 512")]
    [TestCase(1, 700, 4, Description = "one token: fewer row chunks than threads")]
    public void TopKEncodeStreamedAgreesWithDenseTwin(int n, int s, int k)
    {
        // Streamed: no [N, S] tensor, the top k kept across column blocks; AuxK's choice from the same pass.
        using var gen = new Generator((ulong)(s + n));
        var x = Randn(gen, n, 6);
        var wDS = Randn(gen, 6, s);
        var b = Randn(gen, s);
        var g = Randn(gen, n, k);
        var dead = Tensor.Rand([s], gen).Lt(0.5);                                            // [S] bool
        double[][] Run(bool fast)
        {
            var (xl, wl, bl) = (x.Detach().RequiresGrad_(), wDS.Detach().RequiresGrad_(), b.Detach().RequiresGrad_());
            Tensor v, idx, aux;
            if (fast)
            {
                var r = SparseOps.TopKEncodeStreamed(xl, wl.T, bl, k, dead, kAux: 3);
                (v, idx, aux) = (r.Values, r.Indices, r.AuxIndices!);
            }
            else
            {
                (v, idx) = SparseOps.TopKEncodeReference(xl, wl.T, bl, k);
                using var noGrad = Autograd.NoGrad();
                aux = Tensor.AddMm(bl, xl, wl).Relu().MaskedFill(dead.LogicalNot(), double.NegativeInfinity).TopK(3, dim: 1).Indices;
            }
            v.Backward(g);
            return [v.Values(), idx.Values(), xl.Grad!.Values(), wl.Grad!.Values(), bl.Grad!.Values(), aux.Values()];
        }
        var (f, sl) = (Run(true), Run(false));
        string[] names = ["values", "indices", "dx", "dWEnc", "dbEnc", "aux indices"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(sl[i], f[i], 1e-10, names[i]);
        Assert.That(SparseOps.TopKEncodeStreamed(x, wDS.T, b, k).AuxIndices, Is.Null, "no dead mask, no AuxK choice");
    }

    [Test]
    public void TopKEncodeStreamedRanksTiesAndNaNLikeTopKEncodeAndChecksKAux()
    {
        var x = Tensor.Zeros([2, 3], ScalarType.Float64);
        var w = Tensor.Zeros([7, 3], ScalarType.Float64);
        var b = Tensor.From(new double[] { 1, 2, -1, 2, 2, double.NaN, 0.5 });
        var r = SparseOps.TopKEncodeStreamed(x, w, b, 3);
        Assert.That(r.Indices.Longs().Take(3), Is.EqualTo(new long[] { 5, 1, 3 }), "NaN first, then equal values by index");
        var dead = Tensor.From(new long[] { 1, 0, 1, 0, 0, 0, 1 }).Eq(1);                 // latents 0, 2, 6 dead
        var a = SparseOps.TopKEncodeStreamed(x, w, b, 3, dead, kAux: 3).AuxIndices!;
        Assert.That(a.Longs().Take(3), Is.EqualTo(new long[] { 0, 6, 2 }), "relu(pre) of the dead: 1, 0.5, 0");
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncodeStreamed(x, w, b, 3, dead, kAux: 4))!.Message,
            Does.Contain("k_aux").And.Contain("dead latents = 3"));
    }

    [Test]
    public void TopKEncodeStreamedFindsANaNAndATieInsideAGroupScan()
    {
        // 40 latents: 16 entries at a time are tested against the selection's floor before any is pushed;
        // a NaN (latent 30) and a value tying a kept one (latent 20 = latent 0) must still be ranked right.
        var b = Enumerable.Range(0, 40).Select(i => i < 3 ? 10.0 + i : i == 30 ? double.NaN : i == 20 ? 10.0 : 0.0).ToArray();
        var r = SparseOps.TopKEncodeStreamed(Tensor.Zeros([1, 3], ScalarType.Float64), Tensor.Zeros([40, 3], ScalarType.Float64),
                                             Tensor.From(b), 3);
        Assert.That(r.Indices.Longs(), Is.EqualTo(new long[] { 30, 2, 1 }), "NaN first, then 12, 11 (10 at latents 0 and 20 drops)");
        var r4 = SparseOps.TopKEncodeStreamed(Tensor.Zeros([1, 3], ScalarType.Float64), Tensor.Zeros([40, 3], ScalarType.Float64),
                                              Tensor.From(b), 5);
        Assert.That(r4.Indices.Longs(), Is.EqualTo(new long[] { 30, 2, 1, 0, 20 }), "equal values: the lower index first");
    }

    [Test]
    public void GatherEncodeOfATransposedEncoderAgreesWithDenseTwin()
    {
        // W_enc [D, S] passed as W_enc.T: the kernels read it in place tile by tile (37 latents: a partial tile; 150
        // tokens: a chunk per thread; indices repeat within rows; a third of the upstream gradient is 0, entries the
        // bag sum skips), and the encoder gradient is built in W_enc's layout.
        using var gen = new Generator(23);
        var (x, wDS, b) = (Randn(gen, 150, 5), Randn(gen, 5, 37), Randn(gen, 37));
        var idx = Tensor.RandInt(0, 37, [150, 4], gen);
        var g = Randn(gen, 150, 4) * Tensor.Rand([150, 4], gen).Gt(0.33).To(ScalarType.Float64);
        double[][] Run(Gather gather)
        {
            var (xl, wl, bl) = (x.Detach().RequiresGrad_(), wDS.Detach().RequiresGrad_(), b.Detach().RequiresGrad_());
            var v = gather(xl, wl.T, bl, idx);
            v.Backward(g);
            Assert.That(wl.Grad!.IsContiguous, "the gradient of W_enc is contiguous [D, S]");
            return [v.Values(), xl.Grad!.Values(), wl.Grad!.Values(), bl.Grad!.Values()];
        }
        var (fast, slow) = (Run(SparseOps.GatherEncode), Run(SparseOps.GatherEncodeReference));
        string[] names = ["values", "dx", "dWEnc", "dbEnc"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(slow[i], fast[i], 1e-10, names[i]);
    }

    [TestCase(true, 0.7, Description = "sae, b_dec subtracted from the input")]
    [TestCase(false, 0.7, Description = "no input centring")]
    [TestCase(true, 0.0, Description = "λ = 0")]
    public void ReluObjectiveAgreesWithDenseTwinFloat64(bool apply, double lambda) =>
        AssertReluAgrees(12, 5, 17, 5, apply, lambda, ScalarType.Float64, 1e-10);

    [Test]
    public void ReluObjectiveOfATranscoderAgreesWithDenseTwin() => AssertReluAgrees(10, 4, 9, 3, false, 0.3, ScalarType.Float64, 1e-10);

    [Test]
    public void ReluObjectiveAgreesWithDenseTwinFloat32() => AssertReluAgrees(256, 32, 512, 32, true, 5, ScalarType.Float32, 1e-4);

    [Test]
    public void ReluObjectiveGradientsMatchFiniteDifferences()
    {
        using var gen = new Generator(11);
        var x = Randn(gen, 4, 3);
        GradCheck.Check(a => SparseOps.ReluSaeObjective(x, x, a[0], a[1], a[2], a[3], 0.4, true).Loss,
            [Randn(gen, 3, 6), Randn(gen, 6).Add(0.2), Randn(gen, 6, 3), Randn(gen, 3)], op: "ReluSaeObjective");
    }

    [Test]
    public void ReluObjectiveRejectsMismatchedShapesNamingThem()
    {
        var x = Tensor.Zeros([2, 3]);
        var msg = Assert.Throws<TorchException>(() => SparseOps.ReluSaeObjective(x, x, Tensor.Zeros([4, 5]), Tensor.Zeros([5]),
            Tensor.Zeros([5, 3]), Tensor.Zeros([3]), 1, true))!.Message;
        Assert.That(msg, Does.Contain("W_enc").And.Contain("[4, 5]"));
    }

    [TestCase(true, 0.7, ScalarType.Float64, 1e-10, Description = "sae, float64")]
    [TestCase(false, 0.3, ScalarType.Float64, 1e-10, Description = "no input centring, float64")]
    [TestCase(true, 5.0, ScalarType.Float32, 1e-4, Description = "sae, float32")]
    public void ReluObjectiveSparsePathAgreesWithDensePath(bool apply, double lambda, ScalarType dtype, double relTol)
    {
        using var gen = new Generator(23);
        var (n, d, s) = (40, 6, 64);
        var x = Randn(gen, n, d, dtype);
        // b_enc well below zero: about 10 % of latents fire, rows differ in their count (the sparse rows get padding).
        Tensor[] weights = [Randn(gen, d, s, dtype), Randn(gen, s, dtype).Add(-3.2), Randn(gen, s, d, dtype).Mul(0.3), Randn(gen, d, dtype)];
        using (Autograd.NoGrad()) weights[2].Select(0, 1).Zero_();
        var gF = Randn(gen, n, s, dtype).Mul(0.01);
        var dense = ReluResults((a, b, c, e, f, g, l, ap) => Checked(SparseOps.ReluSaeObjective(a, b, c, e, f, g, l, ap, 0), sparse: false),
            x, x, weights, lambda, apply, gF);
        var sparse = ReluResults((a, b, c, e, f, g, l, ap) => Checked(SparseOps.ReluSaeObjective(a, b, c, e, f, g, l, ap, 1.0), sparse: true),
            x, x, weights, lambda, apply, gF);
        string[] names = ["loss", "mse", "sparsity", "pre", "f", "yHat", "dx", "dWEnc", "dbEnc", "dWDec", "dbDec"];
        for (int i = 0; i < names.Length; i++)
        {
            double scale = Math.Max(1, dense[i].Select(Math.Abs).DefaultIfEmpty(0).Max());
            TestUtil.AssertClose(dense[i], sparse[i], relTol * scale, $"{dtype} sparse {names[i]}");
        }
    }

    [Test]
    public void ReluObjectiveSwitchesToTheSparsePathBelowTheDensityThreshold()
    {
        using var gen = new Generator(29);
        var x = Randn(gen, 64, 8);
        Tensor[] w = [Randn(gen, 8, 100), Randn(gen, 100).Add(-5), Randn(gen, 100, 8), Randn(gen, 8)];
        double density;
        using (Autograd.NoGrad())
            density = Tensor.AddMm(w[1], x - w[3], w[0]).Gt(0).To(ScalarType.Float64).Mean().ToDouble();
        Assert.That(density, Is.InRange(0.005, 0.2), "the batch's density (every token is sampled at 64 tokens)");
        Assert.That(SparseOps.ReluSaeObjective(x, x, w[0], w[1], w[2], w[3], 1, true, density * 1.5).IsSparse, Is.True, "below the threshold");
        Assert.That(SparseOps.ReluSaeObjective(x, x, w[0], w[1], w[2], w[3], 1, true, density * 0.5).IsSparse, Is.False, "above the threshold");
        Assert.That(SparseOps.ReluSaeObjective(x, x, w[0], w[1], w[2], w[3], 1, true).IsSparse, Is.False, "threshold 0: always dense");
        var sparse = SparseOps.ReluSaeObjective(x, x, w[0], w[1], w[2], w[3], 1, true, 1);
        var k = sparse.Features.Size(1);
        var counts = sparse.Features.Gt(0).Sum(1).Longs();
        Assert.That(k, Is.EqualTo(counts.Max()), "k is the widest row's active count");
        Assert.That(k, Is.LessThan(100));
    }

    private static ReluSaeTerms Checked(ReluSaeTerms t, bool sparse)
    {
        Assert.That(t.IsSparse, Is.EqualTo(sparse), "the path taken");
        return t with { Features = t.DenseFeatures };
    }

    private static void AssertReluAgrees(int n, int d, int s, int o, bool apply, double lambda, ScalarType dtype, double relTol)
    {
        using var gen = new Generator((ulong)(n * 31 + s));
        var x = Randn(gen, n, d, dtype);
        var y = d == o && apply ? x : Randn(gen, n, o, dtype);
        Tensor[] weights = [Randn(gen, d, s, dtype), Randn(gen, s, dtype).Add(-0.1), Randn(gen, s, o, dtype).Mul(0.3), Randn(gen, o, dtype)];
        using (Autograd.NoGrad()) weights[2].Select(0, 1).Zero_();   // a zero decoder row: its norm's gradient is 0 on both paths
        var gF = Randn(gen, n, s, dtype).Mul(0.01);
        var fast = ReluResults((a, b, c, d, e, f, l, ap) => SparseOps.ReluSaeObjective(a, b, c, d, e, f, l, ap), x, y, weights, lambda, apply, gF);
        var slow = ReluResults(SparseOps.ReluSaeObjectiveReference, x, y, weights, lambda, apply, gF);
        string[] names = ["loss", "mse", "sparsity", "pre", "f", "yHat", "dx", "dWEnc", "dbEnc", "dWDec", "dbDec"];
        for (int i = 0; i < names.Length; i++)
        {
            double scale = Math.Max(1, slow[i].Select(Math.Abs).DefaultIfEmpty(0).Max());
            TestUtil.AssertClose(slow[i], fast[i], relTol * scale, $"{dtype} {names[i]}");
        }
    }

    /// <summary>Outputs, then gradients of loss + mse + Σ f·gF (so the extra-output paths of the backward run too).</summary>
    private static double[][] ReluResults(Objective objective, Tensor x, Tensor y, Tensor[] weights, double lambda, bool apply, Tensor gF)
    {
        bool sae = ReferenceEquals(x, y);
        var xl = x.Detach().RequiresGrad_();
        var yl = sae ? xl : y.Detach();
        var w = weights.Select(t => t.Detach().RequiresGrad_()).ToArray();
        var t = objective(xl, yl, w[0], w[1], w[2], w[3], lambda, apply);
        (t.Loss + t.Mse + (t.Features * gF).Sum()).Backward();
        return [[t.Loss.ToDouble()], [t.Mse.ToDouble()], [t.Sparsity.ToDouble()], t.PreActivations.Values(), t.Features.Values(),
                t.YHat.Values(), xl.Grad!.Values(), .. w.Select(p => p.Grad!.Values())];
    }

    private static double[][] GatherResults(Gather gather, Tensor x, Tensor w, Tensor b, Tensor idx, Tensor g)
    {
        var (xl, wl, bl) = (x.Detach().RequiresGrad_(), w.Detach().RequiresGrad_(), b.Detach().RequiresGrad_());
        var v = gather(xl, wl, bl, idx);
        v.Backward(g);
        return [v.Values(), xl.Grad!.Values(), wl.Grad!.Values(), bl.Grad!.Values()];
    }

    private static Tensor Randn(Generator gen, params long[] shape) => Tensor.Randn(shape, gen, ScalarType.Float64);

    private static Tensor Randn(Generator gen, long a, ScalarType dtype) => Tensor.Randn([a], gen, dtype);

    private static Tensor Randn(Generator gen, long a, long b, ScalarType dtype) => Tensor.Randn([a, b], gen, dtype);
}
