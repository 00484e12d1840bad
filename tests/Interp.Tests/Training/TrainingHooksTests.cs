// The dictionaries' training hooks as the trainer drives them (through SparseDictionaryTrainable and DictionaryTrainer):
// each test fails if its hook were inert. The threshold schedule of batchtopk (BatchTopKThresholdTests) and the exact
// checkpoint round trip of extra parameters and trainer state (DictionaryTrainerTests.ResumeFromAMidwayCheckpoint…)
// are covered where they are.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

public class TrainingHooksTests
{
    private const int Dim = 8, Rows = 64;

    private static SparseDictionary Dictionary(string architecture) => DictionaryRegistry.Create(new DictionaryConfig
    {
        Architecture = architecture, DIn = Dim, DSae = 24, K = architecture is "topk" or "batchtopk" or "matryoshka-batchtopk" ? 3 : null,
        HookName = TrainingFixtures.Hook,
    }, seed: 3, device: Device.Cpu);

    private static SparseDictionaryTrainable Make(string architecture) => new(architecture, Dictionary(architecture), TrainingFixtures.Hook);

    private static ActivationBatch FirstBatch() => TrainingFixtures.Synthetic(Dim, Rows, 1)(0).First();

    [TestCase("topk")]
    [TestCase("batchtopk")]
    [TestCase("matryoshka-batchtopk")]
    public void TopKFamilyStartsBDecAtTheGeometricMedian(string architecture)
    {
        using var t = Make(architecture);
        using var batch = FirstBatch();
        using var scope = DisposeScope.Enter();
        t.Prepare(batch);
        var x = batch.Activations[TrainingFixtures.Hook];
        var expected = GeometricMedian.Compute(x) * t.Dictionary.Scale.Output;                // [D] float64, scaled units
        double err = (t.Dictionary.BDec.To(ScalarType.Float64) - expected).Abs().Max().ToDouble();
        Assert.That(err, Is.LessThan(1e-4), "b_dec is the scaled geometric median of the sample");
    }

    [Test]
    public void ReluLeavesBDecAtZero()
    {
        using var t = Make("relu");
        using var batch = FirstBatch();
        t.Prepare(batch);
        Assert.That(t.Dictionary.BDec.Abs().Max().ToDouble(), Is.EqualTo(0));
    }

    [TestCase("topk")]
    [TestCase("batchtopk")]
    public void TopKDecoderGradientIsTangentialAfterTheBackwardHook(string architecture)
    {
        using var t = Make(architecture);
        using var batch = FirstBatch();
        t.Prepare(batch);
        t.AfterOptimizerStep();
        foreach (var p in t.Parameters) p.RequiresGrad = true;
        using var scope = DisposeScope.Enter();
        t.Step(batch, null, 1).Loss.Backward();
        var w = t.Dictionary.WDec;
        double before = (w.Grad! * w).Sum(1).Abs().Max().ToDouble();
        t.BeforeOptimizerStep();
        double after = (w.Grad! * w).Sum(1).Abs().Max().ToDouble();
        Assert.That(before, Is.GreaterThan(1e-4), "the raw gradient has a radial part");
        Assert.That(after, Is.LessThan(1e-6 * Math.Max(1, before)), "no radial part after the hook");
    }

    [TestCase("topk")]
    [TestCase("matryoshka-batchtopk")]
    public void TopKRowsStayUnitNormThroughTraining(string architecture)
    {
        using var t = Make(architecture);
        string dir = TrainingFixtures.TempDir();
        try
        {
            new DictionaryTrainer([t], new DictionaryTrainerOptions { Steps = 6, BatchTokens = Rows, LearningRate = 5e-2 }, dir)
                .Train(TrainingFixtures.Synthetic(Dim, Rows, 3));
            Assert.That(t.Dictionary.DecoderRowsAreUnitNorm(1e-5), "rows back on the unit sphere after every step");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ReluRowsAreFreeToGrow()
    {
        using var t = Make("relu");
        string dir = TrainingFixtures.TempDir();
        try
        {
            new DictionaryTrainer([t], new DictionaryTrainerOptions { Steps = 6, BatchTokens = Rows, LearningRate = 5e-2 }, dir)
                .Train(TrainingFixtures.Synthetic(Dim, Rows, 3));
            Assert.That(t.Dictionary.DecoderRowsAreUnitNorm(1e-3), Is.False, "relu has no unit-norm constraint");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("relu", 2.5)]
    [TestCase("jumprelu", 0.4)]
    [TestCase("gated", 7.0)]
    public void SparsityCoefficientWarmsUpFromTheConfiguredValue(string architecture, double lambda)
    {
        using var t = new SparseDictionaryTrainable(architecture, WithCoefficient(architecture, lambda), TrainingFixtures.Hook);
        using var batch = FirstBatch();
        t.Prepare(batch);
        using var scope = DisposeScope.Enter();
        t.Step(batch, null, 0.25);
        Assert.That(t.Dictionary.SparsityCoefficient, Is.EqualTo(lambda * 0.25));
        t.Step(batch, null, 1);
        Assert.That(t.Dictionary.SparsityCoefficient, Is.EqualTo(lambda));
    }

    [TestCase("topk")]
    [TestCase("batchtopk")]
    public void TopKFamilyHasNoSparsityCoefficient(string architecture)
    {
        using var t = Make(architecture);
        Assert.That(t.Dictionary.HasSparsityCoefficient, Is.False);
        Assert.That(() => t.Dictionary.SparsityCoefficient = 1, Throws.ArgumentException.With.Message.StartsWith("sparsity_coefficient applies to relu"));
    }

    private static SparseDictionary WithCoefficient(string architecture, double lambda)
    {
        var d = Dictionary(architecture);
        d.SparsityCoefficient = lambda;
        return d;
    }
}
