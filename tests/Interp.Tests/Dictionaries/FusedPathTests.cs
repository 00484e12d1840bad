// The fused forward paths (relu: native objective; topk: sparse encode/decode/gradients and sparse AuxK) against the
// generic autograd path of the same dictionary: losses, parts, predictions, latents and every parameter gradient agree
// to 1e-4 relative (float32), and a few Adam steps with topk's decoder constraint keep them together; relu's sparse
// path (SparseDensityThreshold = 1: every batch sparse) is held to the generic path the same way.
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch.Optim;
using static InterpEval.Interp.Tests.Dictionaries.TinyDictionaries;

namespace InterpEval.Interp.Tests.Dictionaries;

public class FusedPathTests : ScopedTest
{
    private const double RelTol = 1e-4;

    [TestCase("relu", false, Description = "relu sae")]
    [TestCase("topk", false, Description = "topk sae, no dead latents")]
    [TestCase("topk", true, Description = "topk sae with dead latents: AuxK on the sparse path")]
    public void SaeForwardAndGradientsAgreeWithTheGenericPath(string arch, bool withDead) =>
        AssertPathsAgree(Config(arch, dIn: 8, dSae: 48, k: arch == "topk" ? 4 : null), withDead, transcoderTarget: false);

    [Test]
    public void ReluSparsePathForwardAndGradientsAgreeWithTheGenericPath() =>
        AssertPathsAgree(Config("relu", dIn: 8, dSae: 48), withDead: false, transcoderTarget: false, reluSparseBelow: 1);

    [Test]
    public void ReluSparsePathTrainingStepsStayWithTheGenericPath()
    {
        var config = Config("relu", dIn: 8, dSae: 32);
        using var fused = (ReluDictionary)DictionaryRegistry.Create(config, seed: 3, device: Device.Cpu);
        using var generic = DictionaryRegistry.Create(config, seed: 3, device: Device.Cpu);
        fused.SparseDensityThreshold = 1;
        generic.UseFusedKernels = false;
        using var gen = new Generator(4);
        var x = Tensor.Randn([64, 8], gen);                                                  // [N, D]
        Assert.That(fused.Forward(x).Sparse, Is.Not.Null, "the sparse path runs");
        var losses = new[] { fused, generic }.Select(d => Train(d, x, steps: 5)).ToArray();
        AssertRel(losses[1], losses[0], "losses per step");
        for (int i = 0; i < fused.Parameters.Count; i++)
            AssertRel(generic.Parameters[i].Values(), fused.Parameters[i].Values(), $"parameter {i} after 5 steps", tol: 1e-3);
    }

    [TestCase("relu")]
    [TestCase("topk")]
    public void TranscoderForwardAndGradientsAgreeWithTheGenericPath(string arch) =>
        AssertPathsAgree(Config(arch, DictionaryKind.Transcoder, dIn: 8, dSae: 40, dOut: 6, k: arch == "topk" ? 3 : null), true, transcoderTarget: true);

    [TestCase("relu")]
    [TestCase("topk")]
    public void TrainingStepsStayTogether(string arch)
    {
        var config = Config(arch, dIn: 8, dSae: 32, k: arch == "topk" ? 4 : null);
        using var fused = DictionaryRegistry.Create(config, seed: 3, device: Device.Cpu);
        using var generic = DictionaryRegistry.Create(config, seed: 3, device: Device.Cpu);
        generic.UseFusedKernels = false;
        using var gen = new Generator(4);
        var x = Tensor.Randn([64, 8], gen);                                                  // [N, D]
        var losses = new[] { fused, generic }.Select(d => Train(d, x, steps: 5)).ToArray();
        AssertRel(losses[1], losses[0], "losses per step");
        for (int i = 0; i < fused.Parameters.Count; i++)
            AssertRel(generic.Parameters[i].Values(), fused.Parameters[i].Values(), $"parameter {i} after 5 steps", tol: 1e-3);
    }

    [TestCase("relu")]
    [TestCase("topk")]
    public void FiringCountsAgreeWithTheDenseLatents(string arch)
    {
        var config = Config(arch, dIn: 8, dSae: 48, k: arch == "topk" ? 4 : null);
        using var fused = DictionaryRegistry.Create(config, seed: 5, device: Device.Cpu);
        using var gen = new Generator(6);
        var o = fused.Forward(Tensor.Randn([24, 8], gen));
        Assert.That(o.Sparse is not null, Is.EqualTo(arch == "topk"), "topk's fused path hands back (values, indices)");
        long[] counts = o.ActiveCounts().ToArray<long>();                                   // from the sparse form first
        long total = o.ActiveTotal();
        var dense = o.Features;                                                              // [N, F], densified now
        Assert.That(counts, Is.EqualTo(dense.Ne(0).Sum(0).ToArray<long>()), "tokens per latent");
        Assert.That(total, Is.EqualTo(dense.Ne(0).Sum().ToInt64()), "non-zero latents in the batch");
        Assert.That(total, Is.GreaterThan(0), "some latents fire");
        if (arch == "topk") Assert.That(dense.Ne(0).Sum(1).Le(4).All().ToInt64(), Is.EqualTo(1), "at most k per token");
    }

    private static double[] Train(SparseDictionary d, Tensor x, int steps)
    {
        d.Training = true;
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        using var adam = new Adam(d.Parameters, new AdamOptions(LearningRate: 1e-3));
        var losses = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            using var scope = DisposeScope.Enter();
            var o = d.Forward(x);
            o.Loss.Backward();
            (d as TopKDictionary)?.RemoveParallelDecoderGradient();
            adam.Step();
            adam.ZeroGrad();
            (d as TopKDictionary)?.NormalizeDecoderRows();
            losses[s] = o.Loss.ToDouble();
        }
        return losses;
    }

    private static void AssertPathsAgree(DictionaryConfig config, bool withDead, bool transcoderTarget, double? reluSparseBelow = null)
    {
        using var fused = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu);
        if (reluSparseBelow is { } below) ((ReluDictionary)fused).SparseDensityThreshold = below;
        using var generic = DictionaryRegistry.Create(config, seed: 1, device: Device.Cpu);
        generic.UseFusedKernels = false;
        using var gen = new Generator(2);
        var x = Tensor.Randn([24, config.DIn], gen);                                         // [N, D_in]
        var target = transcoderTarget ? Tensor.Randn([24, config.DOut], gen) : null;         // [N, D_out]
        // Every other latent dead: with 24 tokens × k latents some dead ones still fire, others do not.
        var dead = withDead ? Tensor.From(Enumerable.Range(0, config.DSae).Select(i => (long)(i % 2)).ToArray()).Eq(0) : null;  // [F] bool
        var f = Run(fused, x, target, dead);
        var g = Run(generic, x, target, dead);
        if (reluSparseBelow is not null) Assert.That(f["sparse"][0], Is.EqualTo(1), "the sparse path runs");
        foreach (var key in g.Keys.Where(k => k != "sparse"))
        {
            Assert.That(f, Contains.Key(key));
            AssertRel(g[key], f[key], key);
        }
        if (withDead && config.Architecture == "topk") Assert.That(g["auxk"][0], Is.GreaterThan(0), "AuxK is exercised");
    }

    private static Dictionary<string, double[]> Run(SparseDictionary d, Tensor x, Tensor? target, Tensor? dead)
    {
        foreach (var p in d.Parameters) p.RequiresGrad = true;
        var o = d.Forward(x, target, dead);
        o.Loss.Backward();
        var r = new Dictionary<string, double[]>
        {
            ["loss"] = [o.Loss.ToDouble()], ["reconstruction"] = o.Reconstruction.Values(), ["features"] = o.Features.Values(),
            ["pre"] = o.PreActivations.Values(),
        };
        if (o.Sparse is not null) r["sparse"] = [1];
        foreach (var (key, part) in o.Parts.ToDictionary()) r[key] = [part.ToDouble()];
        string[] names = ["W_enc", "b_enc", "W_dec", "b_dec"];
        for (int i = 0; i < names.Length; i++) r["grad " + names[i]] = d.Parameters[i].Grad!.Values();
        return r;
    }

    private static void AssertRel(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what, double tol = RelTol)
    {
        double scale = Math.Max(1e-3, expected.Select(Math.Abs).DefaultIfEmpty(0).Max());
        TinyDictionaries.AssertClose(actual, expected, tol * scale, what);
    }
}
