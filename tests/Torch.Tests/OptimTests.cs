// Adam / AdamW against a plain C# transcription of the algorithm (Kingma & Ba 2015, Alg. 1; decoupled decay per
// Loshchilov & Hutter 2019), and gradient-norm clipping against a hand-computed case.
using InterpEval.Torch.Optim;

namespace InterpEval.Torch.Tests;

public class OptimTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    private static readonly double[] Start = [1.0, -2.0, 0.5];
    private static readonly double[] Curvature = [0.5, 3.0, -1.0];

    // Loss = Σ c·p²/2, so the gradient is c·p.
    private static double[] Reference(AdamOptions o, int steps)
    {
        var p = (double[])Start.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (int t = 1; t <= steps; t++)
            for (int i = 0; i < p.Length; i++)
            {
                double g = Curvature[i] * p[i];
                if (o.Decoupled) p[i] *= 1 - o.LearningRate * o.WeightDecay;
                else g += o.WeightDecay * p[i];
                m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * g;
                v[i] = o.Beta2 * v[i] + (1 - o.Beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(o.Beta1, t)), vHat = v[i] / (1 - Math.Pow(o.Beta2, t));
                p[i] -= o.LearningRate * mHat / (Math.Sqrt(vHat) + o.Eps);
            }
        return p;
    }

    private static double[] Run(AdamOptions o, int steps)
    {
        var p = Tensor.From(Start).RequiresGrad_();
        var c = Tensor.From(Curvature);
        using var adam = new Adam([p], o);
        for (int t = 0; t < steps; t++)
        {
            using var step = DisposeScope.Enter();
            adam.ZeroGrad();
            (c * p * p / 2).Sum().Backward();
            adam.Step();
        }
        Assert.That(adam.StepCount, Is.EqualTo(steps));
        return p.Values();
    }

    [TestCase(0.0, false)]
    [TestCase(0.1, false)]
    [TestCase(0.1, true)]
    public void AdamMatchesTheAlgorithm(double weightDecay, bool decoupled)
    {
        var o = new AdamOptions(LearningRate: 0.05, WeightDecay: weightDecay, Decoupled: decoupled);
        var expected = Reference(o, 5);
        TestUtil.AssertClose(expected, Run(o, 5), 1e-12);
        Assert.That(expected, Is.Not.EqualTo(Start), "the reference moved");
    }

    [Test]
    public void AdamSkipsParametersWithoutGradientAndExposesState()
    {
        var used = Tensor.From(new double[] { 1 }).RequiresGrad_();
        var idle = Tensor.From(new double[] { 1 }).RequiresGrad_();
        using var adam = new Adam([used, idle], new AdamOptions(LearningRate: 0.1));
        (used * 2).Sum().Backward();
        adam.Step();
        Assert.That(used.ToDouble(), Is.EqualTo(0.9).Within(1e-9));
        Assert.That(idle.ToDouble(), Is.EqualTo(1));
        Assert.That(adam.ExpAvg[0].ToDouble(), Is.EqualTo(0.2).Within(1e-12));
        Assert.That(adam.ExpAvgSq[0].ToDouble(), Is.EqualTo(0.004).Within(1e-12));
        Assert.That(adam.ExpAvg[1].ToDouble(), Is.EqualTo(0));
    }

    [Test]
    public void ClipGradNormScalesJointNorm()
    {
        var a = Tensor.From(new double[] { 0, 0 }).RequiresGrad_();
        var b = Tensor.From(new double[] { 0 }).RequiresGrad_();
        (a * Tensor.From(new double[] { 3, 4 })).Sum().Backward();
        (b * 12).Sum().Backward();
        double norm = GradClip.ClipGradNorm([a, b], 6.5);
        Assert.That(norm, Is.EqualTo(13).Within(1e-12));
        double coef = 6.5 / (13 + 1e-6);
        TestUtil.AssertClose([3 * coef, 4 * coef], a.Grad!.Values(), 1e-12);
        TestUtil.AssertClose([12 * coef], b.Grad!.Values(), 1e-12);
        Assert.That(GradClip.ClipGradNorm([a, b], 100), Is.EqualTo(6.5).Within(1e-5), "below the limit nothing changes");
        TestUtil.AssertClose([12 * coef], b.Grad!.Values(), 1e-12);
    }
}
