// Autograd plumbing: requires_grad, backward with a gradient, .grad lifecycle, no-grad scopes, autograd.grad.
namespace InterpEval.Torch.Tests;

public class AutogradTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    [Test]
    public void BackwardAccumulatesIntoGrad()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 }).RequiresGrad_();
        Assert.That(x.RequiresGrad && x.IsLeaf, Is.True);
        Assert.That(x.Grad, Is.Null);
        (x * x).Sum().Backward();
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 2, 4, 6 }));
        (x * 3).Sum().Backward();
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 5, 7, 9 }), "gradients accumulate");
        x.ZeroGrad();
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 0, 0, 0 }));
        x.ClearGrad();
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void BackwardOfANonScalarTakesTheVector()
    {
        var x = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var y = x * x;
        Assert.That(y.IsLeaf, Is.False);
        y.Backward(Tensor.From(new double[] { 10, -1 }));
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 20, -4 }));
        Assert.Throws<TorchException>(() => (x * x).Backward(), "a non-scalar output needs a gradient");
    }

    [Test]
    public void NoGradScopeStopsRecordingAndRestores()
    {
        var x = Tensor.From(new double[] { 1 }).RequiresGrad_();
        Assert.That(Autograd.IsGradEnabled, Is.True);
        using (Autograd.NoGrad())
        {
            Assert.That(Autograd.IsGradEnabled, Is.False);
            Assert.That((x * 2).RequiresGrad, Is.False);
            using (Autograd.EnableGrad()) Assert.That((x * 2).RequiresGrad, Is.True);
            Assert.That(Autograd.IsGradEnabled, Is.False);
        }
        Assert.That(Autograd.IsGradEnabled, Is.True);
        Assert.That(x.Detach().RequiresGrad, Is.False);
    }

    [Test]
    public void AutogradGradWithGradOutputs()
    {
        var a = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var b = Tensor.From(new double[] { 3, 4 }).RequiresGrad_();
        var unused = Tensor.From(new double[] { 0 }).RequiresGrad_();
        var y1 = a * b;          // dy1/da = b, dy1/db = a
        var y2 = (a * a).Sum();  // dy2/da = 2a
        var grads = Autograd.Grad([y1, y2], [a, b, unused], [Tensor.From(new double[] { 1, 10 }), null], allowUnused: true);
        Assert.That(grads[0]!.Values(), Is.EqualTo(new double[] { 3 + 2, 40 + 4 }));
        Assert.That(grads[1]!.Values(), Is.EqualTo(new double[] { 1, 20 }));
        Assert.That(grads[2], Is.Null);
        Assert.That(a.Grad, Is.Null, "autograd.grad does not accumulate into .grad");
    }

    [Test]
    public void CreateGraphGivesSecondDerivatives()
    {
        var x = Tensor.From(new double[] { 2 }).RequiresGrad_();
        var y = x.Pow(3).Sum();
        var dy = Autograd.Grad([y], [x], createGraph: true)[0]!;
        Assert.That(dy.ToDouble(), Is.EqualTo(12));
        var d2y = Autograd.Grad([dy.Sum()], [x])[0]!;
        Assert.That(d2y.ToDouble(), Is.EqualTo(12));
    }

    [Test]
    public void UnusedInputWithoutAllowUnusedIsAnError()
    {
        var a = Tensor.From(new double[] { 1 }).RequiresGrad_();
        var b = Tensor.From(new double[] { 1 }).RequiresGrad_();
        var e = Assert.Throws<TorchException>(() => Autograd.Grad([(a * 2).Sum()], [b]));
        Assert.That(e!.Message, Does.Contain("not have been used"));
    }
}
