// The cross-layer transcoder's math: the hand case, the forward against the slow per-token loop for every activation,
// the concatenated-norm tanh penalty and the pre-activation penalty by hand, the loss gradient against central finite
// differences in float64, scale folding, per-layer FVU, and the invariants.
using InterpEval.Interp.Dictionaries;
using static InterpEval.Interp.Tests.Dictionaries.CltCases;

namespace InterpEval.Interp.Tests.Dictionaries;

public class CltTests : ScopedTest
{
    [Test]
    public void HandCaseForwardMatchesTheWorkedNumbers()
    {
        using var clt = Hand();
        clt.SparsityCoefficient = 0;
        var o = clt.Forward(HandInputs(), HandTargets());
        TinyDictionaries.AssertClose(o.Features[0].Values(), [2, 2], 1e-6, "f_0");
        TinyDictionaries.AssertClose(o.Features[1].Values(), [1.5, 3], 1e-6, "f_1");
        TinyDictionaries.AssertClose(o.Predictions[0].Values(), YHat0, 1e-6, "ŷ_0");
        TinyDictionaries.AssertClose(o.Predictions[1].Values(), YHat1, 1e-6, "ŷ_1");
        TinyDictionaries.AssertClose(o.Parts.MsePerLayer.Values(), [0.25, 0.3125], 1e-6, "mse per layer");
        Assert.That(o.Loss.ToDouble(), Is.EqualTo(HandMse).Within(1e-6), "loss = mse when λ = 0");
    }

    [Test]
    public void ConcatenatedDecoderNormsAndTanhPenaltyByHand()
    {
        using var clt = Hand();
        TinyDictionaries.AssertClose(clt.ConcatenatedDecoderNorms(0).Values(), Norms0, 1e-6, "layer 0 norms");
        TinyDictionaries.AssertClose(clt.ConcatenatedDecoderNorms(1).Values(), Norms1, 1e-6, "layer 1 norms");
        clt.SparsityCoefficient = 0.5;
        clt.TanhScale = 0.3;
        var o = clt.Forward(HandInputs(), HandTargets());
        // λ Σ_l Σ_i tanh(c·‖W_dec,l,i‖_concat·f_l,i), f_0 = [2, 2], f_1 = [1.5, 3]
        double expected = 0.5 * (Math.Tanh(0.3 * Math.Sqrt(5) * 2) + Math.Tanh(0.3 * Math.Sqrt(3) * 2) + Math.Tanh(0.3 * 3 * 1.5) + Math.Tanh(0.3 * 1 * 3));
        Assert.That(o.Parts.Sparsity!.ToDouble(), Is.EqualTo(expected).Within(1e-6));
        Assert.That(o.Loss.ToDouble(), Is.EqualTo(HandMse + expected).Within(1e-6));
        // A per-layer-norm penalty (the norm of the layer-l' slice only) would differ: latent 0 of layer 0 has norms 1 and 2.
        Assert.That(Math.Tanh(0.3 * 1 * 2) + Math.Tanh(0.3 * 2 * 2), Is.Not.EqualTo(Math.Tanh(0.3 * Math.Sqrt(5) * 2)).Within(1e-3));
    }

    [Test]
    public void JumpReluThresholdsAndPreActivationPenaltyByHand()
    {
        // θ_0 = [2.5, 1], θ_1 = [1, 4]: pre_0 = [2, 2] → f_0 = [0, 2]; pre_1 = [1.5, 3] → f_1 = [1.5, 0]
        using var clt = Hand(CltActivation.JumpRelu, [[2.5f, 1], [1, 4]]);
        clt.SparsityCoefficient = 0;
        clt.PreActCoefficient = 0.1;
        var o = clt.Forward(HandInputs(), HandTargets());
        TinyDictionaries.AssertClose(o.Features[0].Values(), [0, 2], 1e-6, "f_0");
        TinyDictionaries.AssertClose(o.Features[1].Values(), [1.5, 0], 1e-6, "f_1");
        // λ_P Σ ReLU(θ − pre)·‖W_dec‖_concat = 0.1·(0.5·√5 + 0 + 0 + 1·1)
        Assert.That(o.Parts.PreAct!.ToDouble(), Is.EqualTo(0.1 * (0.5 * Math.Sqrt(5) + 1)).Within(1e-5));
        Assert.That(clt.ThresholdsArePositive(), Is.True);
    }

    [TestCase(CltActivation.Relu, null)]
    [TestCase(CltActivation.JumpRelu, null)]
    [TestCase(CltActivation.TopK, 2)]
    public void ForwardMatchesTheSlowPerLayerLoop(CltActivation activation, int? k)
    {
        using var clt = Random(Config(activation, layers: 3, dModel: 4, dSae: 5, k: k), seed: 3);
        clt.SetScale(new CltScale([0.5, 2, 1.5], [3, 0.25, 1]));
        var inputs = RandomActivations(3, 6, 4, seed: 5);
        var targets = RandomActivations(3, 6, 4, seed: 6);
        var o = clt.Forward(inputs, targets);
        var (f, yHat) = SlowForward(clt, inputs);
        for (int l = 0; l < 3; l++)
        {
            TinyDictionaries.AssertClose(o.Features[l].Values(), f[l].SelectMany(r => r).ToArray(), 1e-4, $"f_{l}");
            TinyDictionaries.AssertClose(o.Predictions[l].Values(), yHat[l].SelectMany(r => r).ToArray(), 1e-4, $"ŷ_{l}");
        }
        var encoded = clt.Encode(inputs);
        var decoded = clt.Decode(encoded);
        for (int l = 0; l < 3; l++) TinyDictionaries.AssertClose(decoded[l].Values(), o.Predictions[l].Values(), 1e-5, $"Decode(Encode) layer {l}");
        Assert.That(o.Features.Sum(t => t.Ne(0).Sum().ToInt64()), Is.GreaterThan(0), "some latents fire");
        if (activation == CltActivation.TopK)
            Assert.That(o.Features.All(t => t.Ne(0).Sum(1).Le(k!.Value).All().ToInt64() == 1), "at most k per layer and token");
    }

    [Test]
    public void MsePerLayerAndFvuAgreeWithDirectSums()
    {
        using var clt = Random(Config(CltActivation.Relu, layers: 3, dModel: 4, dSae: 5), seed: 8);
        clt.SetScale(new CltScale([1, 1, 1], [2, 0.5, 1]));
        var inputs = RandomActivations(3, 7, 4, seed: 9);
        var targets = RandomActivations(3, 7, 4, seed: 10);
        var o = clt.Forward(inputs, targets);
        double pooledResidual = 0, pooledTotal = 0;
        for (int l = 0; l < 3; l++)
        {
            double[] y = targets[l].Values(), p = o.Predictions[l].Values();
            double s = clt.Scale.Output[l];
            double residual = y.Select((v, i) => (v - p[i]) * (v - p[i])).Sum();
            var mean = Enumerable.Range(0, 4).Select(d => Enumerable.Range(0, 7).Average(n => y[n * 4 + d])).ToArray();
            double total = y.Select((v, i) => (v - mean[i % 4]) * (v - mean[i % 4])).Sum();
            Assert.That(o.Parts.MsePerLayer.Values()[l], Is.EqualTo(residual * s * s / 7).Within(1e-4), $"mse layer {l} (normalised units)");
            Assert.That(o.FvuPerLayer.Values()[l], Is.EqualTo(residual / total).Within(1e-6), $"fvu layer {l}");
            pooledResidual += residual * s * s;
            pooledTotal += total * s * s;
        }
        Assert.That(o.Fvu.ToDouble(), Is.EqualTo(pooledResidual / pooledTotal).Within(1e-6), "pooled fvu");
        Assert.That(o.Parts.Mse.ToDouble(), Is.EqualTo(o.Parts.MsePerLayer.Values().Sum()).Within(1e-5));
    }

    [Test]
    public void LossGradientMatchesFiniteDifferencesInFloat64()
    {
        using var clt = Random(Config(CltActivation.Relu, layers: 3, dModel: 3, dSae: 4), seed: 11, ScalarType.Float64);
        clt.SetScale(new CltScale([0.7, 1.3, 1], [1.1, 0.9, 2]));
        clt.SparsityCoefficient = 0.3;
        clt.TanhScale = 2;
        var inputs = RandomActivations(3, 5, 3, seed: 12, ScalarType.Float64);
        var targets = RandomActivations(3, 5, 3, seed: 13, ScalarType.Float64);
        foreach (var p in clt.Parameters) p.RequiresGrad = true;
        clt.Forward(inputs, targets).Loss.Backward();
        var grads = clt.Parameters.Select(p => p.Grad!.Values()).ToArray();
        foreach (var p in clt.Parameters) p.RequiresGrad = false;

        const double h = 1e-6;
        var rng = new Random(2);
        int checkedEntries = 0;
        for (int pi = 0; pi < clt.Parameters.Count; pi++)
        {
            var p = clt.Parameters[pi];
            var flat = p.View(-1);
            for (int sample = 0; sample < 4; sample++)
            {
                int j = rng.Next((int)flat.Size(0));
                double original = flat.Select(0, j).ToDouble();
                flat.Select(0, j).Fill_(original + h);
                double up = clt.Forward(inputs, targets).Loss.ToDouble();
                flat.Select(0, j).Fill_(original - h);
                double down = clt.Forward(inputs, targets).Loss.ToDouble();
                flat.Select(0, j).Fill_(original);
                double numeric = (up - down) / (2 * h);
                Assert.That(grads[pi][j], Is.EqualTo(numeric).Within(1e-6 + 1e-5 * Math.Abs(numeric)), $"parameter {pi} entry {j}");
                checkedEntries++;
            }
        }
        Assert.That(checkedEntries, Is.EqualTo(4 * clt.Parameters.Count));
        Assert.That(grads.Any(g => g.Any(v => Math.Abs(v) > 1e-3)), "the gradient is not trivially zero");
    }

    [TestCase(CltActivation.Relu)]
    [TestCase(CltActivation.JumpRelu)]
    public void FoldingScalesKeepsLatentsAndPredictions(CltActivation activation)
    {
        using var clt = Random(Config(activation, layers: 3, dModel: 4, dSae: 5), seed: 14);
        clt.SetScale(new CltScale([0.5, 2, 1.5], [3, 0.25, 1]));
        Assert.That(clt.Config.NormalizeActivations, Is.EqualTo(DictionaryConfig.NormalizeExpectedAverage));
        var inputs = RandomActivations(3, 6, 4, seed: 15);
        var before = clt.Predict(inputs).Select(t => t.Values()).ToArray();
        var latentsBefore = clt.Encode(inputs).Select(t => t.Values()).ToArray();
        clt.FoldScale();
        Assert.That(clt.Scale.IsIdentity && clt.Config.NormalizeActivations == DictionaryConfig.NormalizeNone);
        var after = clt.Predict(inputs).Select(t => t.Values()).ToArray();
        var latentsAfter = clt.Encode(inputs).Select(t => t.Values()).ToArray();
        for (int l = 0; l < 3; l++)
        {
            TinyDictionaries.AssertClose(after[l], before[l], 1e-4, $"ŷ_{l}");
            TinyDictionaries.AssertClose(latentsAfter[l], latentsBefore[l], 1e-5, $"f_{l}");
        }
    }

    [Test]
    public void InvariantsHoldAndBadShapesAreRefused()
    {
        using var clt = Random(Config(CltActivation.Relu, layers: 3, dModel: 4, dSae: 5), seed: 16);
        Assert.That(clt.WeightsAreFinite() && clt.DecodersAreCausal() && clt.ThresholdsArePositive());
        Assert.That(clt.Parameters, Has.Count.EqualTo(12));
        using (Autograd.NoGrad()) clt.BDec[1].Select(0, 2).Fill_(double.NaN);
        Assert.That(clt.WeightsAreFinite(), Is.False);
        var e = Assert.Throws<ArgumentException>(() => clt.Encode(RandomActivations(2, 3, 4, seed: 1)))!;
        Assert.That(e.Message, Does.Contain("expected 3 tensors"));
        var inputs = RandomActivations(3, 3, 4, seed: 1);
        e = Assert.Throws<ArgumentException>(() => clt.Forward(inputs, RandomActivations(3, 2, 4, seed: 2)))!;
        Assert.That(e.Message, Does.Contain("targets[0] must be [3, 4], got [2, 4]"));
        e = Assert.Throws<ArgumentException>(() => clt.EncodeLayer(0, Tensor.Zeros([4])))!;
        Assert.That(e.Message, Does.Contain("inputs[0] must be [N, 4], got [4]"));
        Assert.Throws<ArgumentException>(() => clt.SetScale(new CltScale([1, 1], [1, 1, 1])));
        Assert.Throws<ArgumentException>(() => new CrossLayerTranscoder(Config(CltActivation.Relu), HandWeights() with { WDec = [Tensor.Zeros([2, 1, 2]), Tensor.Zeros([2, 1, 2])] }, Device.Cpu));
    }
}
