// SparseOps: the fused TopK kernels against their dense slow twins (values, indices, every gradient; float64 at 1e-10,
// float32 at 1e-5), against hand-computed values, against finite differences, and their shape/dtype errors.
// Legend: N tokens, K active latents, S = d_sae, D = d_in.
using System.Globalization;

namespace InterpEval.Torch.Tests;

public class SparseOpsTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    private delegate Tensor Decoder(Tensor values, Tensor indices, Tensor wDec);
    private delegate ValuesIndices Encoder(Tensor x, Tensor wEncT, Tensor bEnc, long k);

    [Test]
    public void DecodeMatchesHandComputedRowsWithIndicesRepeatedAcrossRows()
    {
        var wDecSD = Tensor.From(new double[] { 1, 2, 10, 20, 100, 200 }, 3, 2);
        var valuesNK = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2).RequiresGrad_();
        var idxNK = Tensor.From(new long[] { 2, 0, 2, 1 }, 2, 2);   // latent 2 in both rows
        var w = wDecSD.RequiresGrad_();
        var yND = SparseOps.TopKDecode(valuesNK, idxNK, w);
        Assert.That(yND.Values(), Is.EqualTo(new double[] { 1 * 100 + 2 * 1, 1 * 200 + 2 * 2, 3 * 100 + 4 * 10, 3 * 200 + 4 * 20 }));
        yND.Backward(Tensor.From(new double[] { 1, -1, 2, 0.5 }, 2, 2));
        // dv[n,j] = ⟨g[n], W[idx[n,j]]⟩; dW[2] = 1·g0 + 3·g1, dW[0] = 2·g0, dW[1] = 4·g1.
        Assert.That(valuesNK.Grad!.Values(), Is.EqualTo(new double[] { -100, -1, 300, 30 }));
        Assert.That(w.Grad!.Values(), Is.EqualTo(new double[] { 2, -2, 8, 2, 1 + 6, -1 + 1.5 }));
    }

    [TestCase(5, 3, 16, 7, Description = "typical")]
    [TestCase(6, 1, 9, 4, Description = "k = 1")]
    [TestCase(4, 9, 9, 5, Description = "k = d_sae")]
    [TestCase(0, 3, 8, 5, Description = "empty batch")]
    public void DecodeAgreesWithDenseTwinFloat64(int n, int k, int s, int d) =>
        AssertDecodeAgrees(n, k, s, d, ScalarType.Float64, 1e-10);

    [TestCase(64, 8, 128, 32)]
    [TestCase(0, 4, 16, 8)]
    public void DecodeAgreesWithDenseTwinFloat32(int n, int k, int s, int d) =>
        AssertDecodeAgrees(n, k, s, d, ScalarType.Float32, 1e-5);

    [TestCase(5, 3, 16, 7, Description = "typical")]
    [TestCase(6, 1, 9, 4, Description = "k = 1")]
    [TestCase(4, 9, 9, 5, Description = "k = d_sae: most values clipped by the relu")]
    [TestCase(0, 3, 8, 5, Description = "empty batch")]
    [TestCase(40, 2, 3, 4, Description = "40 tokens over 3 latents: indices repeat across rows")]
    public void EncodeAgreesWithDenseTwinFloat64(int n, int k, int s, int d) =>
        AssertEncodeAgrees(n, k, s, d, ScalarType.Float64, 1e-10);

    [TestCase(64, 8, 128, 32)]
    [TestCase(0, 4, 16, 8)]
    public void EncodeAgreesWithDenseTwinFloat32(int n, int k, int s, int d) =>
        AssertEncodeAgrees(n, k, s, d, ScalarType.Float32, 1e-5);

    [Test]
    public void EncodeDecodeMseChainAgreesWithDenseTwin()
    {
        using var gen = new Generator(7);
        var (x, wEnc, bEnc, wDec) = (Randn(gen, ScalarType.Float64, 12, 6), Randn(gen, ScalarType.Float64, 20, 6),
                                     Randn(gen, ScalarType.Float64, 20).Add(-0.5), Randn(gen, ScalarType.Float64, 20, 6));
        var fast = ChainGradients(SparseOps.TopKEncode, SparseOps.TopKDecode, x, wEnc, bEnc, wDec, 4);
        var slow = ChainGradients(SparseOps.TopKEncodeReference, SparseOps.TopKDecodeReference, x, wEnc, bEnc, wDec, 4);
        string[] names = ["loss", "dx", "dWEncT", "dbEnc", "dWDec"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(slow[i], fast[i], 1e-10, names[i]);
    }

    [Test]
    public void EncodeClipsNegativeTopValuesAndPassesNoGradientThroughThem()
    {
        // One token, three latents; pre = [1, -2, -0.5]: top-2 = latents 0 and 2, the second clipped to 0.
        var x = Tensor.From(new double[] { 1 }, 1, 1).RequiresGrad_();
        var w = Tensor.From(new double[] { 1, -2, -0.5 }, 3, 1).RequiresGrad_();
        var b = Tensor.Zeros([3], ScalarType.Float64).RequiresGrad_();
        var (v, idx) = SparseOps.TopKEncode(x, w, b, 2);
        Assert.That(v.Values(), Is.EqualTo(new double[] { 1, 0 }));
        Assert.That(idx.Longs(), Is.EqualTo(new long[] { 0, 2 }));
        v.Backward(Tensor.From(new double[] { 3, 5 }, 1, 2));
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 3 * 1 }), "dx = 3·w[0]; the clipped latent adds nothing");
        Assert.That(w.Grad!.Values(), Is.EqualTo(new double[] { 3, 0, 0 }));
        Assert.That(b.Grad!.Values(), Is.EqualTo(new double[] { 3, 0, 0 }));
    }

    [Test]
    public void DecodeGradientsMatchFiniteDifferences()
    {
        using var gen = new Generator(3);
        var idx = Tensor.From(new long[] { 0, 3, 3, 1, 2, 0 }, 3, 2);
        GradCheck.Check(a => SparseOps.TopKDecode(a[0], idx, a[1]),
            [Randn(gen, ScalarType.Float64, 3, 2), Randn(gen, ScalarType.Float64, 4, 5)], op: "TopKDecode");
    }

    [Test]
    public void EncodeGradientsMatchFiniteDifferences()
    {
        using var gen = new Generator(4);
        GradCheck.Check(a => SparseOps.TopKEncode(a[0], a[1], a[2], 3).Values,
            [Randn(gen, ScalarType.Float64, 4, 5), Randn(gen, ScalarType.Float64, 7, 5), Randn(gen, ScalarType.Float64, 7).Add(-0.3)],
            op: "TopKEncode");
    }

    [Test]
    public void DecodeRejectsWrongShapesAndDtypesWithTheShapeInTheMessage()
    {
        var w = Tensor.Zeros([5, 4]);
        var v = Tensor.Zeros([2, 3]);
        var idx = Tensor.Zeros([2, 3], ScalarType.Int64);
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKDecode(v, Tensor.Zeros([2, 4], ScalarType.Int64), w))!.Message,
            Does.Contain("[2, 4]").And.Contain("[2, 3]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKDecode(v, Tensor.Zeros([2, 3]), w))!.Message,
            Does.Contain("int64").And.Contain("[2, 3]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKDecode(v, idx, Tensor.Zeros([5])))!.Message,
            Does.Contain("wDec").And.Contain("[5]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKDecode(v, idx, Tensor.Zeros([5, 4], ScalarType.Float64)))!.Message,
            Does.Contain("Double").And.Contain("[5, 4]"));
        Assert.Throws<TorchException>(() => SparseOps.TopKDecode(v, Tensor.Full([2, 3], 5, ScalarType.Int64), w), "index 5 of 5 rows");
        Assert.That(SparseOps.TopKDecode(v, idx, w).Shape, Is.EqualTo(new long[] { 2, 4 }), "the process is fine after");
    }

    [Test]
    public void EncodeRejectsWrongShapesAndDtypesWithTheShapeInTheMessage()
    {
        var x = Tensor.Zeros([2, 4]);
        var w = Tensor.Zeros([6, 4]);
        var b = Tensor.Zeros([6]);
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(x, Tensor.Zeros([6, 5]), b, 2))!.Message,
            Does.Contain("[2, 4]").And.Contain("[6, 5]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(x, w, Tensor.Zeros([5]), 2))!.Message,
            Does.Contain("[5]").And.Contain("[6]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(Tensor.Zeros([2, 4], ScalarType.Int64), w, b, 2))!.Message,
            Does.Contain("floating").And.Contain("[2, 4]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(x, w, Tensor.Zeros([6], ScalarType.Float64), 2))!.Message,
            Does.Contain("Double"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(x, w, b, 7))!.Message,
            Does.Contain("k is 7").And.Contain("[6, 4]"));
        Assert.That(Assert.Throws<TorchException>(() => SparseOps.TopKEncode(x, w, b, 0))!.Message, Does.Contain("k is 0"));
    }

    private static Tensor Randn(Generator gen, ScalarType dtype, params long[] shape) => Tensor.Randn(shape, gen, dtype);

    private static void AssertDecodeAgrees(int n, int k, int s, int d, ScalarType dtype, double tol)
    {
        using var gen = new Generator((ulong)(n * 1000 + k * 100 + s));
        var valuesNK = Randn(gen, dtype, n, k);
        var idxNK = Tensor.RandInt(0, s, [n, k], gen);   // repeats across rows and within rows
        var wDecSD = Randn(gen, dtype, s, d);
        var gND = Randn(gen, dtype, n, d);
        var fast = DecodeResults(SparseOps.TopKDecode, valuesNK, idxNK, wDecSD, gND);
        var slow = DecodeResults(SparseOps.TopKDecodeReference, valuesNK, idxNK, wDecSD, gND);
        string[] names = ["y", "dValues", "dWDec"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(slow[i], fast[i], tol, $"{dtype} {names[i]}");
        Assert.That(fast[2], Has.Length.EqualTo(s * d));
    }

    private static double[][] DecodeResults(Decoder dec, Tensor values, Tensor idx, Tensor wDec, Tensor g)
    {
        var v = values.Detach().RequiresGrad_();
        var w = wDec.Detach().RequiresGrad_();
        var y = dec(v, idx, w);
        y.Backward(g);
        return [y.Values(), v.Grad!.Values(), w.Grad!.Values()];
    }

    private static void AssertEncodeAgrees(int n, int k, int s, int d, ScalarType dtype, double tol)
    {
        using var gen = new Generator((ulong)(n * 1000 + k * 100 + s + 1));
        var xND = Randn(gen, dtype, n, d);
        var wSD = Randn(gen, dtype, s, d);
        var bS = Randn(gen, dtype, s).Add(-0.5);
        var gNK = Randn(gen, dtype, n, k);
        var (fast, fastIdx) = EncodeResults(SparseOps.TopKEncode, xND, wSD, bS, k, gNK);
        var (slow, slowIdx) = EncodeResults(SparseOps.TopKEncodeReference, xND, wSD, bS, k, gNK);
        Assert.That(fastIdx, Is.EqualTo(slowIdx), "indices");
        string[] names = ["values", "dx", "dWEncT", "dbEnc"];
        for (int i = 0; i < names.Length; i++) TestUtil.AssertClose(slow[i], fast[i], tol, $"{dtype} {names[i]}");
    }

    private static (double[][] Results, long[] Indices) EncodeResults(Encoder enc, Tensor x, Tensor wEncT, Tensor bEnc, long k, Tensor g)
    {
        var (xl, wl, bl) = (x.Detach().RequiresGrad_(), wEncT.Detach().RequiresGrad_(), bEnc.Detach().RequiresGrad_());
        var (v, idx) = enc(xl, wl, bl, k);
        v.Backward(g);
        return ([v.Values(), xl.Grad!.Values(), wl.Grad!.Values(), bl.Grad!.Values()], idx.Longs());
    }

    private static double[][] ChainGradients(Encoder enc, Decoder dec, Tensor x, Tensor wEnc, Tensor bEnc, Tensor wDec, long k)
    {
        var leaves = new[] { x, wEnc, bEnc, wDec }.Select(t => t.Detach().RequiresGrad_()).ToArray();
        var (v, idx) = enc(leaves[0], leaves[1], leaves[2], k);
        var loss = (dec(v, idx, leaves[3]) - leaves[0]).Pow(2).Mean();
        loss.Backward();
        return [[loss.ToDouble()], .. leaves.Select(l => l.Grad!.Values())];
    }
}
