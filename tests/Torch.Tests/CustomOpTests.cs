// Hand-written-gradient ops: JumpReLU and the step function with the rectangle-kernel straight-through estimator.
namespace InterpEval.Torch.Tests;

public class CustomOpTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    private const double Eps = 0.1;
    // Rows are tokens, columns latents; thresholds per latent. Entries within ε/2 of θ: (0,0) 0.52 vs 0.5, (1,1) 0.97 vs 1.0.
    private static readonly double[] X = [0.52, 0.3, 2.0, -1.0, 0.97, 0.36];
    private static readonly double[] Theta = [0.5, 1.0, 0.3];

    [Test]
    public void JumpReluForwardKeepsValuesAboveThreshold()
    {
        var y = CustomOps.JumpRelu(Tensor.From(X, 2, 3), Tensor.From(Theta), Eps);
        Assert.That(y.Values(), Is.EqualTo(new[] { 0.52, 0, 2.0, 0, 0, 0.36 }));
    }

    [Test]
    public void JumpReluGradients()
    {
        var x = Tensor.From(X, 2, 3).RequiresGrad_();
        var theta = Tensor.From(Theta).RequiresGrad_();
        var g = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        CustomOps.JumpRelu(x, theta, Eps).Backward(g);
        Assert.That(x.Grad!.Values(), Is.EqualTo(new double[] { 1, 0, 3, 0, 0, 6 }), "dx = H(x − θ)·g");
        // dθ_j = Σ_n −(θ_j/ε)·1[|x_nj − θ_j| < ε/2]·g_nj : latent 0 from (0,0); latent 1 from (1,1); latent 2 none.
        TestUtil.AssertClose([-(0.5 / Eps) * 1, -(1.0 / Eps) * 5, 0], theta.Grad!.Values(), 1e-12, "dθ");
    }

    [Test]
    public void JumpReluInputGradientMatchesFiniteDifferencesAwayFromTheJump()
    {
        var theta = Tensor.From(Theta);
        GradCheck.Check(x => CustomOps.JumpRelu(x[0], theta, Eps), [Tensor.From(new[] { 0.8, 0.3, 2.0, -1.0, 1.5, 0.1 }, 2, 3)]);
    }

    [Test]
    public void StepCountsAndPassesOnlyThresholdGradient()
    {
        var x = Tensor.From(X, 2, 3).RequiresGrad_();
        var theta = Tensor.From(Theta).RequiresGrad_();
        var l0 = CustomOps.Step(x, theta, Eps);
        Assert.That(l0.Values(), Is.EqualTo(new double[] { 1, 0, 1, 0, 0, 1 }));
        l0.Sum().Backward();
        Assert.That(x.Grad!.Values(), Is.All.EqualTo(0));
        TestUtil.AssertClose([-1 / Eps, -1 / Eps, 0], theta.Grad!.Values(), 1e-12);
    }
}
