// Math ops against hand-computed values: arithmetic and broadcasting, matrix products, unary functions,
// activations, normalisation, reductions, top-k/sort, embedding and cross-entropy.
namespace InterpEval.Torch.Tests;

public class MathTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    private static Tensor V(params double[] v) => Tensor.From(v);

    [Test]
    public void ArithmeticBroadcastsAndTakesScalars()
    {
        var m = Tensor.From(new double[] { 1, 2, 3, 4 }, 2, 2);
        var row = Tensor.From(new double[] { 10, 20 }, 1, 2);
        Assert.That((m + row).Values(), Is.EqualTo(new double[] { 11, 22, 13, 24 }));
        Assert.That((m - row).Values(), Is.EqualTo(new double[] { -9, -18, -7, -16 }));
        Assert.That((m * row).Values(), Is.EqualTo(new double[] { 10, 40, 30, 80 }));
        Assert.That((row / m).Values(), Is.EqualTo(new double[] { 10, 10, 10d / 3, 5 }));
        Assert.That(m.Add(row, 0.5).Values(), Is.EqualTo(new double[] { 6, 12, 8, 14 }));
        Assert.That((2 * m + 1).Values(), Is.EqualTo(new double[] { 3, 5, 7, 9 }));
        Assert.That((1 - m).Values(), Is.EqualTo(new double[] { 0, -1, -2, -3 }));
        Assert.That((m / 2 - 1).Values(), Is.EqualTo(new double[] { -0.5, 0, 0.5, 1 }));
        Assert.That((-m).Values(), Is.EqualTo(new double[] { -1, -2, -3, -4 }));
        Assert.That(m.Pow(2).Values(), Is.EqualTo(new double[] { 1, 4, 9, 16 }));
        Assert.That(m.Pow(row.Div(10)).Values(), Is.EqualTo(new double[] { 1, 4, 3, 16 }));
        Assert.That(V(1, 5).Maximum(V(3, 2)).Values(), Is.EqualTo(new double[] { 3, 5 }));
        Assert.That(V(1, 5).Minimum(V(3, 2)).Values(), Is.EqualTo(new double[] { 1, 2 }));
    }

    [Test]
    public void WholeScalarsKeepIntegerTensorsInteger()
    {
        var ids = Tensor.From(new long[] { 1, 5 });
        Assert.That((ids + 1).Dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That((ids + ids).ToArray<long>(), Is.EqualTo(new long[] { 2, 10 }), "tensor + tensor of int64 (alpha 1)");
        Assert.That(ids.Sub(ids, 2).ToArray<long>(), Is.EqualTo(new long[] { -1, -5 }));
        Assert.That((ids * 2 - 3).ToArray<long>(), Is.EqualTo(new long[] { -1, 7 }));
        Assert.That(ids.Clamp(min: 2).ToArray<long>(), Is.EqualTo(new long[] { 2, 5 }));
        Assert.That((ids * 0.5).Dtype, Is.EqualTo(ScalarType.Float32), "a fractional scalar promotes, as in PyTorch");
        Assert.That(ids.MaskedFill(ids.Gt(2), 9).ToArray<long>(), Is.EqualTo(new long[] { 1, 9 }));
    }

    [Test]
    public void IncompatibleBroadcastIsATorchException()
    {
        var e = Assert.Throws<TorchException>(() => V(1, 2, 3).Add(V(1, 2)));
        Assert.That(e!.Message, Does.Contain("size of tensor a (3) must match the size of tensor b (2)"));
    }

    [Test]
    public void MatrixProducts()
    {
        var a = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.From(new double[] { 7, 8, 9, 10, 11, 12 }, 3, 2);
        double[] ab = [58, 64, 139, 154];
        Assert.That(a.MatMul(b).Values(), Is.EqualTo(ab));
        Assert.That(a.Mm(b).Values(), Is.EqualTo(ab));
        Assert.That(Tensor.Stack([a, a]).Bmm(Tensor.Stack([b, b])).Values(), Is.EqualTo(ab.Concat(ab)));
        var bias = Tensor.From(new double[] { 1, -1 });
        Assert.That(Tensor.AddMm(bias, a, b, beta: 2, alpha: 0.5).Values(), Is.EqualTo(new double[] { 31, 30, 71.5, 75 }));
        Assert.That(a.MatMul(V(1, 0, -1)).Values(), Is.EqualTo(new double[] { -2, -2 }));
    }

    [Test]
    public void UnaryFunctions()
    {
        var x = V(-2, -0.5, 0.25, 4);
        Assert.That(x.Abs().Values(), Is.EqualTo(new[] { 2, 0.5, 0.25, 4 }));
        Assert.That(x.Sign().Values(), Is.EqualTo(new double[] { -1, -1, 1, 1 }));
        Assert.That(x.Neg().Values(), Is.EqualTo(new[] { 2, 0.5, -0.25, -4 }));
        TestUtil.AssertClose([0.5, 2], V(0.25, 4).Sqrt().Values(), 1e-12);
        TestUtil.AssertClose([2, 0.5], V(0.25, 4).Rsqrt().Values(), 1e-12);
        TestUtil.AssertClose(x.Values().Select(Math.Exp).ToArray(), x.Exp().Values(), 1e-12);
        TestUtil.AssertClose([Math.Log(0.25), Math.Log(4)], V(0.25, 4).Log().Values(), 1e-12);
        TestUtil.AssertClose([Math.Log(1.25)], V(0.25).Log1p().Values(), 1e-12);
        TestUtil.AssertClose([Math.Sin(1), Math.Cos(1)], Tensor.Cat([V(1).Sin(), V(1).Cos()]).Values(), 1e-12);
        Assert.That(x.Clamp(-1, 1).Values(), Is.EqualTo(new[] { -1, -0.5, 0.25, 1 }));
        Assert.That(x.Clamp(min: 0).Values(), Is.EqualTo(new[] { 0, 0, 0.25, 4 }));
        Assert.That(x.Clamp(max: 0).Values(), Is.EqualTo(new[] { -2, -0.5, 0, 0 }));
        Assert.That(V(1, double.NaN, double.PositiveInfinity).IsFinite().Bools(), Is.EqualTo(new[] { true, false, false }));
    }

    [Test]
    public void Activations()
    {
        double[] xs = [-3, -1, -0.2, 0, 0.7, 2.5];
        var x = V(xs);
        Assert.That(x.Relu().Values(), Is.EqualTo(xs.Select(v => Math.Max(v, 0))));
        TestUtil.AssertClose(xs.Select(v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))).ToArray(), x.Gelu().Values(), 1e-12, "gelu");
        TestUtil.AssertClose(xs.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray(),
            x.Gelu(tanhApproximation: true).Values(), 1e-12, "gelu_new");
        TestUtil.AssertClose(xs.Select(v => 1 / (1 + Math.Exp(-v))).ToArray(), x.Sigmoid().Values(), 1e-12, "sigmoid");
        TestUtil.AssertClose(xs.Select(v => v / (1 + Math.Exp(-v))).ToArray(), x.Silu().Values(), 1e-12, "silu");
        TestUtil.AssertClose(xs.Select(v => Math.Tanh(v)).ToArray(), x.Tanh().Values(), 1e-12, "tanh");
    }

    [Test]
    public void SoftmaxAndLogSoftmax()
    {
        var x = Tensor.From(new double[] { 1, 2, 3, 1000, 1000, 1000 }, 2, 3);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        double[] expected = [Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1d / 3, 1d / 3, 1d / 3];
        TestUtil.AssertClose(expected, x.Softmax(-1).Values(), 1e-12);
        TestUtil.AssertClose(expected.Select(v => Math.Log(v)).ToArray(), x.LogSoftmax(1).Values(), 1e-12);
    }

    [Test]
    public void LayerNormMatchesTheFormula()
    {
        double[] row = [1, 2, 4, 9];
        double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
        var w = V(1, 2, 0.5, -1);
        var b = V(0, 1, 0, 3);
        double[] wv = [1, 2, 0.5, -1], bv = [0, 1, 0, 3];
        var expected = row.Select((v, i) => (v - mean) / Math.Sqrt(variance + 1e-5) * wv[i] + bv[i]).ToArray();
        TestUtil.AssertClose(expected, V(row).LayerNorm([4], w, b).Values(), 1e-10);
        TestUtil.AssertClose(row.Select(v => (v - mean) / Math.Sqrt(variance + 1e-5)).ToArray(), V(row).LayerNorm([4]).Values(), 1e-10);
    }

    [Test]
    public void Reductions()
    {
        var m = Tensor.From(new double[] { 1, 5, 3, 4, 2, 6 }, 2, 3);
        Assert.That(m.Sum().ToDouble(), Is.EqualTo(21));
        Assert.That(m.Sum(1).Values(), Is.EqualTo(new double[] { 9, 12 }));
        Assert.That(m.Sum([0], keepDim: true).Shape, Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(m.Mean().ToDouble(), Is.EqualTo(3.5));
        Assert.That(m.Mean(0).Values(), Is.EqualTo(new[] { 2.5, 3.5, 4.5 }));
        Assert.That(m.Var(correction: 0).ToDouble(), Is.EqualTo(35d / 12).Within(1e-12));
        Assert.That(m.Var([1]).Values(), Is.EqualTo(new double[] { 4, 4 }).Within(1e-12));
        Assert.That(m.Norm().ToDouble(), Is.EqualTo(Math.Sqrt(91)).Within(1e-12));
        Assert.That(m.Norm(1, 1).Values(), Is.EqualTo(new double[] { 9, 12 }));
        Assert.That(m.Max().ToDouble(), Is.EqualTo(6));
        Assert.That(m.Min().ToDouble(), Is.EqualTo(1));
        var mx = m.Max(1);
        Assert.That(mx.Values.Values(), Is.EqualTo(new double[] { 5, 6 }));
        Assert.That(mx.Indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(m.Min(0).Indices.ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 0 }));
        Assert.That(m.ArgMax(0).ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 1 }));
        Assert.That(m.ArgMin(1, keepDim: true).Shape, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(m.CumSum(1).Values(), Is.EqualTo(new double[] { 1, 6, 9, 4, 6, 12 }));
        Assert.That(m.Gt(5).Any().ToInt64(), Is.EqualTo(1));
        Assert.That(m.Gt(5).All().ToInt64(), Is.EqualTo(0));
    }

    [Test]
    public void TopKAndSort()
    {
        var x = Tensor.From(new double[] { 0.5, 3, -1, 2, 7, 0 }, 2, 3);
        var top = x.TopK(2);
        Assert.That(top.Values.Values(), Is.EqualTo(new double[] { 3, 0.5, 7, 2 }));
        Assert.That(top.Indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 1, 0 }));
        var bottom = x.TopK(1, dim: 0, largest: false);
        Assert.That(bottom.Values.Values(), Is.EqualTo(new double[] { 0.5, 3, -1 }));
        var sorted = x.Sort(descending: true);
        Assert.That(sorted.Values.Values(), Is.EqualTo(new double[] { 3, 0.5, -1, 7, 2, 0 }));
        Assert.That(sorted.Indices.ToArray<long>(), Is.EqualTo(new long[] { 1, 0, 2, 1, 0, 2 }));
    }

    [Test]
    public void Comparisons()
    {
        var a = V(1, 2, 3);
        var b = V(3, 2, 1);
        Assert.That(a.Eq(b).Bools(), Is.EqualTo(new[] { false, true, false }));
        Assert.That(a.Ne(b).Bools(), Is.EqualTo(new[] { true, false, true }));
        Assert.That(a.Lt(b).Bools(), Is.EqualTo(new[] { true, false, false }));
        Assert.That(a.Le(b).Bools(), Is.EqualTo(new[] { true, true, false }));
        Assert.That(a.Gt(b).Bools(), Is.EqualTo(new[] { false, false, true }));
        Assert.That(a.Ge(b).Bools(), Is.EqualTo(new[] { false, true, true }));
        Assert.That(a.Eq(2).Bools(), Is.EqualTo(new[] { false, true, false }));
        Assert.That(a.Ge(2).LogicalAnd(a.Le(2)).Bools(), Is.EqualTo(new[] { false, true, false }));
        Assert.That(a.Lt(2).LogicalOr(a.Gt(2)).LogicalNot().Bools(), Is.EqualTo(new[] { false, true, false }));
        Assert.That(a.AllClose(V(1, 2, 3 + 1e-9)), Is.True);
        Assert.That(a.AllClose(b), Is.False);
    }

    [Test]
    public void EmbeddingAndCrossEntropy()
    {
        var w = Tensor.From(new double[] { 0, 0, 1, 1, 2, 2 }, 3, 2);
        var ids = Tensor.From(new long[] { 2, 0, 2, 1 }, 2, 2);
        var e = Tensor.Embedding(w, ids);
        Assert.That(e.Shape, Is.EqualTo(new long[] { 2, 2, 2 }));
        Assert.That(e.Values(), Is.EqualTo(new double[] { 2, 2, 0, 0, 2, 2, 1, 1 }));

        double[][] logits = [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]];
        long[] targets = [2, 0, -100];
        var lt = Tensor.From(logits.SelectMany(r => r).ToArray(), 3, 3);
        var tt = Tensor.From(targets);
        double Nll(double[] row, long t) => -(row[t] - Math.Log(row.Sum(Math.Exp)));
        double l0 = Nll(logits[0], 2), l1 = Nll(logits[1], 0);
        Assert.That(Tensor.CrossEntropy(lt, tt).ToDouble(), Is.EqualTo((l0 + l1) / 2).Within(1e-12));
        Assert.That(Tensor.CrossEntropy(lt, tt, Reduction.Sum).ToDouble(), Is.EqualTo(l0 + l1).Within(1e-12));
        Assert.That(Tensor.CrossEntropy(lt, tt, Reduction.None).Values(), Is.EqualTo(new[] { l0, l1, 0 }).Within(1e-12));
    }

    [Test]
    public void InPlaceUpdates()
    {
        var x = V(1, 2, 3);
        x.Add_(V(1, 1, 1), alpha: 2).Mul_(2).Sub_(V(1, 1, 1)).Div_(V(1, 1, 2)).Add_(1).Mul_(0.5);
        Assert.That(x.Values(), Is.EqualTo(new[] { 3, 4, 2.75 }));
        x.Clamp_(max: 3.5);
        Assert.That(x.Values(), Is.EqualTo(new[] { 3, 3.5, 2.75 }));
        x.MaskedFill_(x.Gt(3.3), 0);
        Assert.That(x.Values(), Is.EqualTo(new[] { 3, 0, 2.75 }));
        x.Copy_(V(7, 8, 9));
        Assert.That(x.Values(), Is.EqualTo(new double[] { 7, 8, 9 }));
        x.Zero_();
        Assert.That(x.Values(), Is.EqualTo(new double[] { 0, 0, 0 }));
    }

    /// <summary>erf by its Maclaurin series (exact to double precision for |x| ≤ 3) — .NET has no Math.Erf.</summary>
    internal static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 100; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
