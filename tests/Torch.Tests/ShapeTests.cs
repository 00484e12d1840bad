// Shape ops against hand-computed results: views, slicing, indexing, joining, masking.
namespace InterpEval.Torch.Tests;

public class ShapeTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    // m = [[0 1 2], [3 4 5]]
    private static Tensor M() => Tensor.Arange(0, 6, 1, ScalarType.Float32).View(2, 3);

    [Test]
    public void ViewsAndReshapes()
    {
        Assert.That(M().Reshape(3, 2).Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(M().View(-1).Values(), Is.EqualTo(new double[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(M().T.Contiguous().Values(), Is.EqualTo(new double[] { 0, 3, 1, 4, 2, 5 }));
        Assert.That(M().Transpose(0, 1).Shape, Is.EqualTo(new long[] { 3, 2 }));
        var cube = Tensor.Arange(0, 24, 1, ScalarType.Float32).View(2, 3, 4);
        var p = cube.Permute(2, 0, 1);
        Assert.That(p.Shape, Is.EqualTo(new long[] { 4, 2, 3 }));
        Assert.That(p.Select(0, 1).Select(0, 1).Select(0, 2).ToDouble(), Is.EqualTo(1 * 12 + 2 * 4 + 1));
        Assert.That(cube.Flatten(1).Shape, Is.EqualTo(new long[] { 2, 12 }));
    }

    [Test]
    public void ViewOfNonContiguousIsAnErrorButReshapeCopies()
    {
        Assert.Throws<TorchException>(() => M().T.View(6));
        Assert.That(M().T.Reshape(6).Values(), Is.EqualTo(new double[] { 0, 3, 1, 4, 2, 5 }));
    }

    [Test]
    public void NarrowSliceSelectShareStorage()
    {
        var m = M();
        Assert.That(m.Narrow(1, 1, 2).Values(), Is.EqualTo(new double[] { 1, 2, 4, 5 }));
        Assert.That(m.Slice(1, 0, 3, 2).Values(), Is.EqualTo(new double[] { 0, 2, 3, 5 }));
        Assert.That(m.Slice(0, 1, 100).Values(), Is.EqualTo(new double[] { 3, 4, 5 }));
        m.Select(0, 1).Fill_(9);
        Assert.That(m.Values(), Is.EqualTo(new double[] { 0, 1, 2, 9, 9, 9 }));
    }

    [Test]
    public void IndexSelectGatherScatter()
    {
        var idx = Tensor.From(new long[] { 2, 0 });
        Assert.That(M().IndexSelect(1, idx).Values(), Is.EqualTo(new double[] { 2, 0, 5, 3 }));
        var g = Tensor.From(new long[] { 1, 1, 0, 2 }, 2, 2);
        Assert.That(M().Gather(1, g).Values(), Is.EqualTo(new double[] { 1, 1, 3, 5 }));
        var src = Tensor.From(new float[] { 10, 20, 30, 40 }, 2, 2);
        var sidx = Tensor.From(new long[] { 0, 2, 1, 1 }, 2, 2);
        Assert.That(Tensor.Zeros([2, 3]).Scatter(1, sidx, src).Values(), Is.EqualTo(new double[] { 10, 0, 20, 0, 40, 0 }));
        Assert.That(Tensor.Zeros([2, 3]).ScatterAdd(1, sidx, src).Values(), Is.EqualTo(new double[] { 10, 0, 20, 0, 70, 0 }));
        var acc = Tensor.Zeros([3]).IndexAdd_(0, Tensor.From(new long[] { 0, 0, 2 }), Tensor.From(new float[] { 1, 2, 3 }));
        Assert.That(acc.Values(), Is.EqualTo(new double[] { 3, 0, 3 }));
    }

    [Test]
    public void CatStackSqueezeUnsqueezeExpandRepeat()
    {
        var a = Tensor.From(new float[] { 1, 2 });
        var b = Tensor.From(new float[] { 3, 4 });
        Assert.That(Tensor.Cat([a, b]).Values(), Is.EqualTo(new double[] { 1, 2, 3, 4 }));
        var s = Tensor.Stack([a, b], 1);
        Assert.That(s.Shape, Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(s.Values(), Is.EqualTo(new double[] { 1, 3, 2, 4 }));
        Assert.That(a.Unsqueeze(0).Shape, Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(a.Unsqueeze(0).Squeeze(0).Shape, Is.EqualTo(new long[] { 2 }));
        Assert.That(a.Unsqueeze(1).Expand(2, 3).Values(), Is.EqualTo(new double[] { 1, 1, 1, 2, 2, 2 }));
        Assert.That(a.Repeat(2).Values(), Is.EqualTo(new double[] { 1, 2, 1, 2 }));
    }

    [Test]
    public void WhereMaskedFillTriangles()
    {
        var m = M();
        var mask = m.Gt(2);
        Assert.That(mask.Bools(), Is.EqualTo(new[] { false, false, false, true, true, true }));
        Assert.That(Tensor.Where(mask, m, m.Neg()).Values(), Is.EqualTo(new double[] { 0, -1, -2, 3, 4, 5 }));
        Assert.That(m.MaskedFill(mask, -1).Values(), Is.EqualTo(new double[] { 0, 1, 2, -1, -1, -1 }));
        var sq = Tensor.Ones([3, 3]);
        Assert.That(sq.Tril().Values(), Is.EqualTo(new double[] { 1, 0, 0, 1, 1, 0, 1, 1, 1 }));
        Assert.That(sq.Triu(1).Values(), Is.EqualTo(new double[] { 0, 1, 1, 0, 0, 1, 0, 0, 0 }));
        Assert.That(m.MaskedSelect(mask).Values(), Is.EqualTo(new double[] { 3, 4, 5 }));
        Assert.That(m.IndexPut(mask, Tensor.Scalar(7)).Values(), Is.EqualTo(new double[] { 0, 1, 2, 7, 7, 7 }));
        Assert.That(m.Gt(3).Nonzero().Longs(), Is.EqualTo(new long[] { 1, 1, 1, 2 }));
    }
}
