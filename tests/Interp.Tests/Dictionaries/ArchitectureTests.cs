// Each architecture against the hand case of TinyDictionaries (every expected number worked out in the comments),
// its objective by hand, and the invariants and training mechanics it promises: TopK keeps exactly k, the parallel
// gradient removal keeps decoder rows on the unit sphere, AuxK is zero without dead latents, the JumpReLU threshold
// learns only from pre-activations near it, BatchTopK keeps k·B per batch and infers with its threshold.
using InterpEval.Interp.Dictionaries;
using static InterpEval.Interp.Tests.Dictionaries.TinyDictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

public class ArchitectureTests : ScopedTest
{
    [Test]
    public void ReluEncodesAndDecodesTheHandCase()
    {
        using var d = Hand("relu");
        var f = d.Encode(XTensor());
        // ReLU(pre) = [[1, 0.5, 0.25], [0, 2.5, 0]]
        AssertClose(f.Values(), [1, 0.5, 0.25, 0, 2.5, 0], 1e-6, "f");
        // f W_dec + b_dec: row 0 = [1 + 0.25, 0.5 + 0.25] + b = [1.75, 0.25]; row 1 = [0, 2.5] + b = [0.5, 2.0]
        AssertClose(d.Decode(f).Values(), [1.75, 0.25, 0.5, 2.0], 1e-6, "x̂");
        AssertClose(d.Predict(XTensor()).Values(), [1.75, 0.25, 0.5, 2.0], 1e-6, "predict");
    }

    [Test]
    public void ReluObjectiveIsMsePlusDecoderNormWeightedL1()
    {
        using var d = (ReluDictionary)Hand("relu");
        d.SparsityCoefficient = 2;
        var o = d.Forward(XTensor());
        // mse: row 0 (1.5 − 1.75)² + (0.5 − 0.25)² = 0.125; row 1 0 + (2.5 − 2)² = 0.25; mean 0.1875
        Assert.That(o.Parts.Mse.ToDouble(), Is.EqualTo(0.1875).Within(1e-6));
        // ‖W_dec,i‖ = [1, 1, √2]: row 0 Σ fᵢ‖W_dec,i‖ = 1 + 0.5 + 0.25√2; row 1 2.5; λ = 2 times the mean
        double sparsity = 2 * ((1.5 + 0.25 * Math.Sqrt(2)) + 2.5) / 2;
        Assert.That(o.Parts.Sparsity!.ToDouble(), Is.EqualTo(sparsity).Within(1e-5));
        Assert.That(o.Loss.ToDouble(), Is.EqualTo(0.1875 + sparsity).Within(1e-5));
        Assert.That(o.Parts.ToDictionary().Keys, Is.EquivalentTo(new[] { "mse", "sparsity" }));
    }

    [Test]
    public void ReluSparsityPenaltyTrainsTheDecoderNorms()
    {
        using var d = (ReluDictionary)Hand("relu");
        d.WDec.RequiresGrad = true;
        var o = d.Forward(XTensor());
        var g = Autograd.Grad([o.Parts.Sparsity!], [d.WDec])[0]!;
        // ∂/∂W_dec,i of λ·mean_n fₙᵢ‖W_dec,i‖ = λ·mean_n fₙᵢ · W_dec,i/‖W_dec,i‖; latent 0: 5·(1 + 0)/2 · [1, 0]
        AssertClose(g.Values()[..2], [2.5, 0], 1e-5, "latent 0's decoder row gradient");
    }

    [TestCase(1, new double[] { 1, 0, 0, 0, 2.5, 0 })]      // the largest per row
    [TestCase(2, new double[] { 1, 0.5, 0, 0, 2.5, 0 })]    // row 1's second largest is 0: ReLU keeps it 0
    public void TopKEncodesTheHandCase(int k, double[] expected)
    {
        using var d = Hand("topk", k: k);
        AssertClose(d.Encode(XTensor()).Values(), expected, 1e-6, $"f (k = {k})");
    }

    [Test]
    public void TopKKeepsExactlyKPerToken()
    {
        var config = Config("topk", dIn: 8, dSae: 32, k: 5);
        using var d = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu);
        using (Autograd.NoGrad()) d.BEnc.Fill_(10);                                          // every pre-activation positive
        using var g = new Generator(2);
        var f = d.Encode(Tensor.Randn([64, 8], g));
        Assert.That(f.Ne(0).Sum(1).Values(), Is.All.EqualTo(5));
        Assert.That(f.Min().ToDouble(), Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void ParallelGradientRemovalKeepsDecoderRowsOnTheUnitSphere()
    {
        var config = Config("topk", dIn: 8, dSae: 16, k: 4);
        using var d = (TopKDictionary)DictionaryRegistry.Create(config, seed: 3, device: Device.Cpu);
        Assert.That(d.DecoderRowsAreUnitNorm(1e-5), "fresh decoder rows are unit norm");
        using var gen = new Generator(4);
        var x = Tensor.Randn([64, 8], gen) * 3;
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        d.Forward(x).Loss.Backward();
        var before = d.WDec.Grad!.Clone();                                                  // [F, D]
        var w = d.WDec.Detach().Clone();
        double parallelBefore = (before * w).Sum(1).Abs().Max().ToDouble();
        Assert.That(parallelBefore, Is.GreaterThan(1e-3), "the raw gradient has a parallel component to remove");

        d.RemoveParallelDecoderGradient();
        var after = d.WDec.Grad!;
        Assert.That((after * w).Sum(1).Abs().Max().ToDouble(), Is.LessThan(1e-6), "what is left is orthogonal to each row");
        var removed = before - after;                                                        // should be cᵢ wᵢ
        var cos = (removed * w).Sum(1) / removed.Norm(2, 1).Clamp(min: 1e-30);
        Assert.That(cos.Abs().Min().ToDouble(), Is.GreaterThan(1 - 1e-5), "what was removed is parallel to each row");

        // One plain step of length 1e-3 for the largest row gradient, measured in float64.
        double lr = 1e-3 / before.Norm(2, 1).Max().ToDouble();
        var w64 = w.To(ScalarType.Float64);
        double Drift(Tensor grad) => ((w64 - grad.To(ScalarType.Float64) * lr).Norm(2, 1) - 1).Abs().Max().ToDouble();
        double drift = Drift(after), naive = Drift(before);
        Assert.That(drift, Is.LessThan(1e-6), "a step along the tangent changes norms only to second order");
        Assert.That(naive, Is.GreaterThan(10 * drift), "a raw step changes them to first order");
    }

    [Test]
    public void NormalizeDecoderRowsRestoresUnitNorm()
    {
        using var d = (TopKDictionary)DictionaryRegistry.Create(Config("topk", dIn: 4, dSae: 6, k: 2), seed: 5, device: Device.Cpu);
        using (Autograd.NoGrad()) d.WDec.Mul_(3);
        Assert.That(d.DecoderRowsAreUnitNorm(1e-3), Is.False);
        d.NormalizeDecoderRows();
        Assert.That(d.DecoderRowsAreUnitNorm(1e-6));
    }

    [Test]
    public void AuxKIsZeroWithoutDeadLatentsAndPositiveWithThem()
    {
        var config = Config("topk", dIn: 8, dSae: 16, k: 2);
        using var d = (TopKDictionary)DictionaryRegistry.Create(config, seed: 6, device: Device.Cpu);
        using var gen = new Generator(7);
        var x = Tensor.Randn([4, 8], gen);                                                  // 4 tokens × k 2: at most 8 of 16 fire
        Assert.That(d.Forward(x).Parts.AuxK!.ToDouble(), Is.EqualTo(0), "no mask");
        Assert.That(d.Forward(x, deadMask: Tensor.Zeros([16], ScalarType.Bool)).Parts.AuxK!.ToDouble(), Is.EqualTo(0), "nothing dead");

        // Latents the top-k never picked on this batch, marked dead: only AuxK can train their decoder rows.
        var fired = d.Encode(x).Ne(0).Sum(0).Gt(0);                                         // [F] bool
        var dead = fired.LogicalNot();
        Assert.That(dead.Sum().ToInt64(), Is.GreaterThan(0), "some latents stay silent");
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        var o = d.Forward(x, deadMask: dead);
        Assert.That(o.Parts.AuxK!.ToDouble(), Is.GreaterThan(0));
        Assert.That(o.Loss.ToDouble(), Is.EqualTo(o.Parts.Fvu!.ToDouble() + o.Parts.AuxK.ToDouble()).Within(1e-6));
        var gFvu = Autograd.Grad([o.Parts.Fvu!], [d.WDec], retainGraph: true)[0]!;
        var gAux = Autograd.Grad([o.Parts.AuxK], [d.WDec])[0]!;
        var deadRows = dead.Nonzero().Reshape(-1);
        Assert.That(gFvu.IndexSelect(0, deadRows).Abs().Max().ToDouble(), Is.EqualTo(0), "the reconstruction never reaches silent latents");
        Assert.That(gAux.IndexSelect(0, deadRows).Abs().Max().ToDouble(), Is.GreaterThan(0), "AuxK does");
    }

    [Test]
    public void TopKObjectiveIsFvuAgainstTheBatchVariance()
    {
        using var d = Hand("topk", k: 1);
        var o = d.Forward(XTensor());
        // x̂ = [[1.5, −0.5], [0.5, 2.0]]; Σ‖x − x̂‖² = 0 + 1 + 0 + 0.25 = 1.25; x̄ = [1, 1.5]; Σ‖x − x̄‖² = 0.25 + 1 + 0.25 + 1 = 2.5
        Assert.That(o.Parts.Fvu!.ToDouble(), Is.EqualTo(0.5).Within(1e-6));
        Assert.That(o.Parts.Mse.ToDouble(), Is.EqualTo(0.625).Within(1e-6));
    }

    [Test]
    public void JumpReluEncodesTheHandCase()
    {
        using var d = Hand("jumprelu", threshold: [0.9f, 0.6f, 0.2f]);
        // pre = [[1, 0.5, 0.25], [0, 2.5, −2.75]] kept where pre > θ = [0.9, 0.6, 0.2]
        AssertClose(d.Encode(XTensor()).Values(), [1, 0, 0.25, 0, 2.5, 0], 1e-6, "f");
    }

    private static Tensor Eye3() => Tensor.From(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3);

    [Test]
    public void JumpReluThresholdLearnsOnlyFromPreActivationsNearIt()
    {
        // W_enc = I, no biases: pre = x. θ = [0.5, 1, 2], ε = 0.1; entries within ε/2 of θ: (0, 0) 0.52 and (1, 1) 0.97.
        var config = Config("jumprelu", dIn: 3, dSae: 3) with { ApplyBDecToInput = false };
        var weights = new DictionaryWeights(Eye3(), Tensor.Zeros([3]), Eye3(), Tensor.Zeros([3]), Threshold: Tensor.From(new float[] { 0.5f, 1, 2 }));
        using var d = new JumpReluDictionary(config, weights, Device.Cpu) { Bandwidth = 0.1, SparsityCoefficient = 1 };
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        var x = Tensor.From(new float[] { 0.52f, 0.3f, 5.0f, 0.1f, 0.97f, 0.0f }, 2, 3);
        var o = d.Forward(x);
        var g = Autograd.Grad([o.Parts.Sparsity!], [d.LogThreshold], retainGraph: true)[0]!;
        // ∂/∂tⱼ mean_n H(xₙⱼ − θⱼ) = (1/N) Σ_n −(1/ε) K(·) θⱼ: latent 0: −½·10·0.5, latent 1: −½·10·1, latent 2: 0
        AssertClose(g.Values(), [-2.5, -5, 0], 1e-5, "∂L0/∂log θ");
        var gTotal = Autograd.Grad([o.Loss], [d.LogThreshold])[0]!;
        Assert.That(gTotal.Values()[2], Is.EqualTo(0), "latent 2 has no pre-activation near its threshold: no gradient at all");
        Assert.That(gTotal.Values()[0], Is.Not.EqualTo(0));
    }

    [Test]
    public void JumpReluTanhAndPreActivationPenaltiesByHand()
    {
        using var d = (JumpReluDictionary)Hand("jumprelu", threshold: [0.9f, 0.6f, 0.2f]);
        d.Penalty = JumpReluPenalty.Tanh;
        d.SparsityCoefficient = 1;
        d.TanhScale = 4;
        d.PreActCoefficient = 0.5;
        var o = d.Forward(XTensor());
        // f = [[1, 0, 0.25], [0, 2.5, 0]], ‖W_dec‖ = [1, 1, √2]: Σ tanh(4·fᵢ·‖W_dec,i‖) per row, then the mean
        double tanh = (Math.Tanh(4) + Math.Tanh(4 * 0.25 * Math.Sqrt(2)) + Math.Tanh(4 * 2.5)) / 2;
        Assert.That(o.Parts.Sparsity!.ToDouble(), Is.EqualTo(tanh).Within(1e-5));
        // Σ ReLU(θᵢ − preᵢ)‖W_dec,i‖: row 0 (0, 0.1, 0); row 1 (0.9, 0, (0.2 + 2.75)√2)
        double preAct = 0.5 * (0.1 + 0.9 + 2.95 * Math.Sqrt(2)) / 2;
        Assert.That(o.Parts.PreAct!.ToDouble(), Is.EqualTo(preAct).Within(1e-5));
        Assert.That(o.Loss.ToDouble(), Is.EqualTo(o.Parts.Mse.ToDouble() + tanh + preAct).Within(1e-5));
    }

    [Test]
    public void BatchTopKKeepsKTimesBatchInTrainingAndUsesItsThresholdAtInference()
    {
        using var d = (BatchTopKDictionary)Hand("batchtopk", k: 1);
        d.Training = true;
        // ReLU(pre) over the batch: 1, 0.5, 0.25, 2.5 — the k·B = 2 largest are 2.5 and 1
        AssertClose(d.Encode(XTensor()).Values(), [1, 0, 0, 0, 2.5, 0], 1e-6, "training f");
        Assert.That(d.ThresholdIsSet, Is.False);
        d.Forward(XTensor());
        Assert.That(d.Threshold, Is.EqualTo(1).Within(1e-6), "first estimate: the smallest kept activation");
        d.UpdateThreshold = false;
        d.Forward(XTensor() * 3);
        Assert.That((d.Threshold, d.ThresholdUpdates), Is.EqualTo((1.0, 1L)).Within(1e-6), "paused: θ stays");
        d.UpdateThreshold = true;
        d.Forward(XTensor() * 3);           // pre = (3x − b_dec) W_enc + b_enc = [[4, 1.5, 2.25], [1, 7.5, −6.75]]: kept 7.5, 4
        Assert.That(d.Threshold, Is.EqualTo(2.5).Within(1e-5), "second update: the mean of the minima 1 and 4");

        d.Training = false;
        d.Threshold = 0.4;
        // inference: ReLU(pre)·1[pre > 0.4] = [[1, 0.5, 0], [0, 2.5, 0]] — row 0 keeps two latents, row 1 one
        AssertClose(d.Encode(XTensor()).Values(), [1, 0.5, 0, 0, 2.5, 0], 1e-6, "inference f");
    }

    [Test]
    public void BatchTopKThresholdFollowsAHandComputedSequence()
    {
        using var d = (BatchTopKDictionary)Hand("batchtopk", k: 1);
        d.ThresholdRate = 0.25;
        // minima 1, 2, 4, 8, 16, 0: weights 1, 1/2, 1/3, 1/4 (the mean while 1/n ≥ r), then r = 1/4
        // θ: 1 → 1.5 → 7/3 → 7/3 + (8 − 7/3)/4 = 3.75 → 3.75 + (16 − 3.75)/4 = 6.8125 → 6.8125·3/4 = 5.109375
        double[] expected = [1, 1.5, 7.0 / 3, 3.75, 6.8125, 5.109375];
        double[] minima = [1, 2, 4, 8, 16, 0];
        for (int i = 0; i < minima.Length; i++)
        {
            d.UpdateThresholdWith(minima[i]);
            Assert.That(d.Threshold, Is.EqualTo(expected[i]).Within(1e-12), $"after update {i + 1}");
        }
        Assert.That(d.ThresholdUpdates, Is.EqualTo(6));
    }

    [Test]
    public void BatchTopKTotalActiveCountIsKTimesBatch()
    {
        var config = Config("batchtopk", dIn: 8, dSae: 32, k: 3);
        using var d = (BatchTopKDictionary)DictionaryRegistry.Create(config, seed: 8, device: Device.Cpu);
        d.Training = true;
        using (Autograd.NoGrad()) d.BEnc.Fill_(10);
        using var g = new Generator(9);
        var f = d.Encode(Tensor.Randn([20, 8], g));
        Assert.That(f.Ne(0).Sum().ToInt64(), Is.EqualTo(3 * 20));
        var perToken = f.Ne(0).Sum(1).Values();
        Assert.That(perToken.Distinct().Count(), Is.GreaterThan(1), "k·B is spread over the batch, not k per token");
    }

    [Test]
    public void BatchTopKRefusesInferenceBeforeItsThresholdIsKnown()
    {
        using var d = Hand("batchtopk", k: 1);
        var e = Assert.Throws<InvalidOperationException>(() => d.Encode(XTensor()));
        Assert.That(e!.Message, Does.Contain("threshold"));
    }

    [Test]
    public void TranscodersPredictAnotherWidthAndSkipAddsALinearTerm()
    {
        // d_in 2 → d_out 1. W_dec = [[1], [2], [−1]], b_dec = [0.5], no b_dec on the input.
        // pre = x W_enc + b_enc: row 0 [1.5, 0, 1.25]; row 1 [0.5, 2.0, −1.75] → f = [[1.5, 0, 1.25], [0.5, 2, 0]]
        // ŷ = f W_dec + b_dec: row 0 1.5 − 1.25 + 0.5 = 0.75; row 1 0.5 + 4 + 0.5 = 5
        // skip W_skip = [[0.5, −1]]: x W_skipᵀ = [0.25, −2.25] → ŷ = [1.0, 2.75]
        DictionaryWeights Weights(bool skip) => new(Tensor.From(WEnc, 2, 3), Tensor.From(BEnc), Tensor.From(new float[] { 1, 2, -1 }, 3, 1),
            Tensor.From(new float[] { 0.5f }), skip ? Tensor.From(new float[] { 0.5f, -1 }, 1, 2) : null);
        using var t = new ReluDictionary(Config("relu", DictionaryKind.Transcoder, dOut: 1), Weights(false), Device.Cpu);
        AssertClose(t.Encode(XTensor()).Values(), [1.5, 0, 1.25, 0.5, 2, 0], 1e-6, "f");
        AssertClose(t.Predict(XTensor()).Values(), [0.75, 5], 1e-6, "transcoder ŷ");
        using var s = new ReluDictionary(Config("relu", DictionaryKind.SkipTranscoder, dOut: 1), Weights(true), Device.Cpu);
        AssertClose(s.Predict(XTensor()).Values(), [1.0, 2.75], 1e-6, "skip-transcoder ŷ");
        var o = s.Forward(XTensor(), Tensor.From(new float[] { 1, 3 }, 2, 1));
        Assert.That(o.Parts.Mse.ToDouble(), Is.EqualTo((0 + 0.0625) / 2).Within(1e-6), "mse against the target hook");
        Assert.That(s.Parameters, Has.Count.EqualTo(5), "W_skip is trained");
    }

    [Test]
    public void ForwardChecksShapesAndTargets()
    {
        using var sae = Hand("relu");
        var e = Assert.Throws<ArgumentException>(() => sae.Forward(Tensor.Zeros([4, 3])));
        Assert.That(e!.Message, Does.Contain("[N, 2]").And.Contain("[4, 3]"));
        Assert.Throws<ArgumentException>(() => sae.Forward(XTensor(), XTensor()), "an sae takes no target");
        using var t = new ReluDictionary(Config("relu", DictionaryKind.Transcoder), HandWeights(), Device.Cpu);
        Assert.Throws<ArgumentException>(() => t.Forward(XTensor()), "a transcoder needs its target");
    }

    [Test]
    public void GeometricMedianBeatsTheMeanOnOutliers()
    {
        // Points on a line at 0, 1, 2 and an outlier at 100: the median is near 1-2, the mean at 25.75.
        var pts = Tensor.From(new float[] { 0, 0, 1, 0, 2, 0, 100, 0 }, 4, 2);
        var m = GeometricMedian.Compute(pts);
        Assert.That(m.Values()[0], Is.InRange(0.99, 2.01), "x");
        Assert.That(m.Values()[1], Is.EqualTo(0).Within(1e-9), "y");
        Assert.That(GeometricMedian.SumOfDistances(pts, m), Is.LessThan(GeometricMedian.SumOfDistances(pts, pts.Mean(0))));
        using var d = Hand("topk");
        d.InitializeDecoderBias(pts);
        AssertClose(d.BDec.Values(), m.Values(), 1e-6, "b_dec");
    }
}
