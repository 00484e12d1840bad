// The schedules against hand-computed values, and the options' validation naming the field at fault.
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class TrainingSchedulesTests
{
    [TestCase(0, 4, 0.25)]
    [TestCase(2, 4, 0.75)]
    [TestCase(3, 4, 1.0)]
    [TestCase(50, 4, 1.0)]
    [TestCase(0, 0, 1.0)]
    public void WarmupRisesLinearlyFromOneOverWarmup(int step, int warmup, double expected) =>
        Assert.That(TrainingSchedules.WarmupFactor(step, warmup), Is.EqualTo(expected).Within(1e-15));

    // total 20, decay over the last half: start = 10, p = (s − 10) / 10.
    [TestCase(LearningRateDecay.Linear, 9, 1.0)]
    [TestCase(LearningRateDecay.Linear, 10, 1.0)]
    [TestCase(LearningRateDecay.Linear, 12, 0.8)]
    [TestCase(LearningRateDecay.Linear, 19, 0.1)]
    [TestCase(LearningRateDecay.Cosine, 12, 0.904508497187474)]   // ½(1 + cos 0.2π) = ½(1 + 0.809016994374947)
    [TestCase(LearningRateDecay.Cosine, 15, 0.5)]
    [TestCase(LearningRateDecay.Cosine, 19, 0.024471741852423)]   // ½(1 + cos 0.9π) = ½(1 − 0.951056516295154)
    [TestCase(LearningRateDecay.Constant, 19, 1.0)]
    public void DecayFollowsItsCurveOverTheDecaySpan(LearningRateDecay decay, int step, double expected) =>
        Assert.That(TrainingSchedules.DecayFactor(decay, 0.5, step, 20), Is.EqualTo(expected).Within(1e-12));

    [Test]
    public void LearningRateIsPeakTimesWarmupTimesDecay()
    {
        var o = new DictionaryTrainerOptions { Steps = 10, LearningRate = 1e-3, WarmupSteps = 2, DecayStart = 0.8 };
        Assert.Multiple(() =>
        {
            Assert.That(TrainingSchedules.LearningRate(o, 0), Is.EqualTo(5e-4).Within(1e-18));    // warm-up ½
            Assert.That(TrainingSchedules.LearningRate(o, 5), Is.EqualTo(1e-3).Within(1e-18));
            Assert.That(TrainingSchedules.LearningRate(o, 9), Is.EqualTo(5e-4).Within(1e-18));    // decay 1 − (9 − 8)/2
        });
    }

    [Test]
    public void SparsityWarmsUpOverItsOwnSteps()
    {
        var o = new DictionaryTrainerOptions { Steps = 10, SparsityWarmupSteps = 4 };
        Assert.That(Enumerable.Range(0, 6).Select(s => TrainingSchedules.SparsityScale(o, s)), Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1, 1, 1 }));
    }

    [Test]
    public void TokenBudgetRoundsUpToWholeBatches() =>
        Assert.That(new DictionaryTrainerOptions { Tokens = 10_000, BatchTokens = 4096 }.TotalSteps, Is.EqualTo(3));

    [TestCase(null, null, 4096, "steps or tokens")]
    [TestCase(0, null, 4096, "steps is 0")]
    [TestCase(10, null, 1, "batch is 1")]
    public void BadBudgetsNameTheField(int? steps, long? tokens, int batch, string expected) =>
        Assert.That(() => new DictionaryTrainerOptions { Steps = steps, Tokens = tokens, BatchTokens = batch }.Validate(),
            Throws.ArgumentException.With.Message.Contains(expected));

    [Test]
    public void BadHyperparametersNameTheField()
    {
        var ok = new DictionaryTrainerOptions { Steps = 1 };
        Assert.Multiple(() =>
        {
            Assert.That(() => (ok with { LearningRate = -1 }).Validate(), Throws.ArgumentException.With.Message.Contains("learning rate"));
            Assert.That(() => (ok with { Beta2 = 1 }).Validate(), Throws.ArgumentException.With.Message.Contains("beta2"));
            Assert.That(() => (ok with { DecayStart = 1.5 }).Validate(), Throws.ArgumentException.With.Message.Contains("decay start"));
            Assert.That(() => (ok with { MaxGradNorm = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("grad norm"));
            Assert.That(() => (ok with { CheckpointEvery = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("checkpoint-every"));
            Assert.That(ok.Validate(), Is.SameAs(ok));
        });
    }
}
