// The composed ATen formulation that CUDA runs (TorchRuntime.HandKernels = false), checked on CPU against the
// hand-written kernels: values and gradients of the sparse TopK ops, the ReLU objective and Adam agree to float64
// rounding, and the switch really changes which code runs. Not covered: the streamed encoder (CPU only, no ATen twin).
using InterpEval.Torch.Optim;

namespace InterpEval.Torch.Tests;

[NonParallelizable]
public class AtenFormulationTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close()
    {
        TorchRuntime.HandKernels = true;
        _scope.Dispose();
    }

    [Test]
    public void TheSwitchSelectsTheFormulation()
    {
        Assert.That(TorchRuntime.HandKernels, Is.True, "hand kernels are the default");
        var values = Tensor.Ones([1, 1], ScalarType.Float64);
        var bad = Tensor.From(new long[] { 9 }, 1, 1);
        var wDec = Tensor.Ones([3, 2], ScalarType.Float64);
        var hand = Assert.Throws<TorchException>(() => SparseOps.TopKDecode(values, bad, wDec))!.Message;
        TorchRuntime.HandKernels = false;
        Assert.That(TorchRuntime.HandKernels, Is.False);
        var aten = Assert.Throws<TorchException>(() => SparseOps.TopKDecode(values, bad, wDec))!.Message;
        Assert.That(hand, Does.Contain("TopK kernel: indices must lie in [0, 3)"), "the hand kernel's bounds check");
        Assert.That(aten, Does.Not.Contain("TopK kernel"), "embedding_bag's own check");
    }

    [TestCase(5, 3, 16, 7)]
    [TestCase(40, 2, 3, 4, Description = "indices repeat across rows")]
    public void SparseTopKOpsAgree(int n, int k, int s, int d)
    {
        using var gen = new Generator((ulong)(n * 100 + s));
        var x = Randn(gen, n, d);
        var wEncT = Randn(gen, s, d);
        var b = Randn(gen, s).Add(-0.5);
        var wDec = Randn(gen, s, d);
        var g = Randn(gen, n, d);
        var gIdx = Tensor.RandInt(0, s, [n, k], gen);
        double[][] Run()
        {
            var leaves = new[] { x, wEncT, b, wDec }.Select(t => t.Detach().RequiresGrad_()).ToArray();
            var (v, idx) = SparseOps.TopKEncode(leaves[0], leaves[1], leaves[2], k);
            var y = SparseOps.TopKDecode(v, idx, leaves[3]);
            var gathered = SparseOps.GatherEncode(leaves[0], leaves[1], leaves[2], gIdx);
            ((y * g).Sum() + gathered.Pow(2).Sum()).Backward();
            return [v.Values(), idx.Longs().Select(i => (double)i).ToArray(), y.Values(), gathered.Values(), .. leaves.Select(l => l.Grad!.Values())];
        }
        AssertSame(Run, ["values", "indices", "y", "gathered", "dx", "dWEncT", "dbEnc", "dWDec"]);
    }

    [TestCase(true, 5.0, 0.0, Description = "dense path")]
    [TestCase(false, 0.3, 0.0, Description = "dense path")]
    [TestCase(true, 5.0, 1.0, Description = "sparse path (the ATen formulation picks the active latents with topk)")]
    public void ReluObjectiveAgrees(bool apply, double lambda, double sparseBelow)
    {
        using var gen = new Generator(7);
        var x = Randn(gen, 12, 5);
        Tensor[] weights = [Randn(gen, 5, 20), Randn(gen, 20).Add(-0.1), Randn(gen, 20, 5).Mul(0.3), Randn(gen, 5)];
        double[][] Run()
        {
            var xl = x.Detach().RequiresGrad_();
            var w = weights.Select(t => t.Detach().RequiresGrad_()).ToArray();
            var t = SparseOps.ReluSaeObjective(xl, xl, w[0], w[1], w[2], w[3], lambda, apply, sparseBelow);
            Assert.That(t.IsSparse, Is.EqualTo(sparseBelow > 0), "the path taken");
            (t.Loss + t.Features.Sum()).Backward();
            return [[t.Loss.ToDouble()], t.DenseFeatures.Values(), t.YHat.Values(), xl.Grad!.Values(), .. w.Select(p => p.Grad!.Values())];
        }
        AssertSame(Run, ["loss", "f", "yHat", "dx", "dWEnc", "dbEnc", "dWDec", "dbDec"]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AdamStepAgrees(bool decoupled)
    {
        using var gen = new Generator(11);
        var start = Randn(gen, 6, 4);
        var grads = Enumerable.Range(0, 3).Select(_ => Randn(gen, 6, 4)).ToArray();
        double[][] Run()
        {
            var p = start.Clone().DetachFromScopes().RequiresGrad_();
            try
            {
                using var adam = new Adam([p], new AdamOptions(LearningRate: 0.01, WeightDecay: 0.1, Decoupled: decoupled));
                foreach (var g in grads)
                {
                    p.Grad = g.Clone();
                    adam.Step();
                }
                return [p.Values()];
            }
            finally { p.Dispose(); }
        }
        AssertSame(Run, ["p after 3 steps"]);
    }

    /// <summary>Runs with the hand kernels, then with the ATen formulation; every result agrees to 1e-10 (float64).</summary>
    private static void AssertSame(Func<double[][]> run, string[] names)
    {
        TorchRuntime.HandKernels = true;
        var hand = run();
        TorchRuntime.HandKernels = false;
        var aten = run();
        TorchRuntime.HandKernels = true;
        for (int i = 0; i < names.Length; i++)
        {
            double scale = Math.Max(1, hand[i].Select(Math.Abs).DefaultIfEmpty(0).Max());
            TestUtil.AssertClose(hand[i], aten[i], 1e-10 * scale, names[i]);
        }
    }

    private static Tensor Randn(Generator gen, params long[] shape) => Tensor.Randn(shape, gen, ScalarType.Float64);
}
