// Ground truth (DESIGN §8): the synthetic superposition generator does what its options say, MMCS and the recovered
// fraction score known decoders correctly, and a TopK dictionary trained on a small case recovers the true features.
using System.Diagnostics;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;

namespace InterpEval.Interp.Tests.Dictionaries;

public class GroundTruthTests : ScopedTest
{
    [Test]
    public void FeaturesAreUnitNormAndSeeded()
    {
        using var a = new SyntheticSuperposition(new(Dim: 16, Features: 40, ActivePerSample: 3, Seed: 5));
        using var b = new SyntheticSuperposition(new(Dim: 16, Features: 40, ActivePerSample: 3, Seed: 5));
        using var c = new SyntheticSuperposition(new(Dim: 16, Features: 40, ActivePerSample: 3, Seed: 6));
        Assert.That(a.Features.ShapeString, Is.EqualTo("[40, 16]"));
        Assert.That((a.Features.Norm(2, 1) - 1).Abs().Max().ToDouble(), Is.LessThan(1e-6));
        Assert.That(a.Features.Values(), Is.EqualTo(b.Features.Values()));
        Assert.That(a.Features.Values(), Is.Not.EqualTo(c.Features.Values()));
    }

    [Test]
    public void SamplesHaveAboutSActiveFeaturesWithMagnitudesInRange()
    {
        using var data = new SyntheticSuperposition(new(Dim: 16, Features: 40, ActivePerSample: 3, MinMagnitude: 0.5, MaxMagnitude: 1.5));
        using var gen = new Generator(1);
        var batch = data.Sample(20000, gen);
        double meanActive = batch.Coefficients.Ne(0).Sum(1).To(ScalarType.Float64).Mean().ToDouble();
        Assert.That(meanActive, Is.EqualTo(3).Within(0.05));
        var on = batch.Coefficients.MaskedSelect(batch.Coefficients.Ne(0));
        Assert.That(on.Min().ToDouble(), Is.GreaterThanOrEqualTo(0.5));
        Assert.That(on.Max().ToDouble(), Is.LessThanOrEqualTo(1.5));
        var x = batch.Coefficients.Mm(data.Features);
        Assert.That(batch.Activations.AllClose(x, atol: 1e-6), "x = c F");
    }

    [Test]
    public void CorrelationMakesGroupMatesFireTogetherAtTheSameRate()
    {
        double CoFire(double rho, out double rate)
        {
            using var data = new SyntheticSuperposition(new(Dim: 8, Features: 16, ActivePerSample: 2, Correlation: rho, GroupSize: 4));
            using var gen = new Generator(2);
            var on = data.Sample(40000, gen).Coefficients.Ne(0).To(ScalarType.Float64);      // [N, G]
            rate = on.Mean().ToDouble();
            // P(feature 1 on | feature 0 on): same group of 4.
            return (on.Select(1, 0) * on.Select(1, 1)).Sum().ToDouble() / on.Select(1, 0).Sum().ToDouble();
        }
        double independent = CoFire(0, out double r0), correlated = CoFire(0.8, out double r1);
        Assert.That(r0, Is.EqualTo(2.0 / 16).Within(0.005));
        Assert.That(r1, Is.EqualTo(2.0 / 16).Within(0.005), "the marginal rate stays s/G");
        Assert.That(independent, Is.EqualTo(2.0 / 16).Within(0.02));
        Assert.That(correlated, Is.GreaterThan(3 * independent));
    }

    [Test]
    public void NormalQuantileMatchesTables()
    {
        Assert.That(SyntheticSuperposition.NormalQuantile(0.975), Is.EqualTo(1.959963985).Within(1e-8));
        Assert.That(SyntheticSuperposition.NormalQuantile(0.01), Is.EqualTo(-2.326347874).Within(1e-8));
        Assert.That(SyntheticSuperposition.NormalQuantile(0.5), Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void MmcsIsOneForTheTrueFeaturesInAnyOrderAndScale()
    {
        using var data = new SyntheticSuperposition(new(Dim: 32, Features: 64, ActivePerSample: 3));
        using var gen = new Generator(3);
        var decoder = data.Features.IndexSelect(0, Tensor.RandPerm(64, gen)) * 2.5;
        var r = FeatureRecovery.Measure(data.Features, decoder);
        Assert.That(r.Mmcs, Is.EqualTo(1).Within(1e-9));
        Assert.That(r.FractionRecovered, Is.EqualTo(1));
    }

    [Test]
    public void MmcsIsLowForRandomDirections()
    {
        using var data = new SyntheticSuperposition(new(Dim: 64, Features: 128, ActivePerSample: 3));
        using var gen = new Generator(4);
        var r = FeatureRecovery.Measure(data.Features, Tensor.Randn([128, 64], gen));
        Assert.That(r.Mmcs, Is.LessThan(0.5));
        Assert.That(r.FractionRecovered, Is.EqualTo(0));
    }

    [Test]
    public void FractionRecoveredCountsFeaturesAboveTheThreshold()
    {
        // Half the decoder is the first half of the true features, half random: exactly half are recovered.
        using var data = new SyntheticSuperposition(new(Dim: 64, Features: 16, ActivePerSample: 2));
        using var gen = new Generator(5);
        var decoder = Tensor.Cat([data.Features.Narrow(0, 0, 8), Tensor.Randn([8, 64], gen)]);
        var r = FeatureRecovery.Measure(data.Features, decoder);
        Assert.That(r.FractionRecovered, Is.EqualTo(0.5));
        Assert.That(r.MaxCosines.Take(8), Is.All.EqualTo(1).Within(1e-9));
        Assert.That(r.Mmcs, Is.EqualTo(r.MaxCosines.Average()).Within(1e-12));
    }

    [Test]
    public void TopKRecoversTheFeaturesOfASmallCase()
    {
        // d = 32, G = 64, s = 3: a TopK dictionary twice as wide as G with k = 4 (a few seconds on 2 cores).
        using var data = new SyntheticSuperposition(new(Dim: 32, Features: 64, ActivePerSample: 3, Seed: 1));
        var clock = Stopwatch.StartNew();
        using var d = ToyTraining.Train(data, new(Width: 128, K: 4, Steps: 400, Batch: 256, LearningRate: 3e-3));
        var r = FeatureRecovery.Measure(data.Features, d);
        TestContext.Out.WriteLine($"MMCS {r.Mmcs:F4}, recovered {r.FractionRecovered:P1} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(r.Mmcs, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(r.FractionRecovered, Is.GreaterThanOrEqualTo(0.9));
        Assert.That(d.DecoderRowsAreUnitNorm(1e-5), "the decoder stayed on the unit sphere");
        Assert.That(d.WeightsAreFinite());
    }
}
