// NeighboursAndGroundTruthTests — decoder nearest neighbours and feature splitting on hand-built decoders, and the
// ground-truth suite's self-trained TopK recovering the synthetic features.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Dictionaries.GroundTruth;

namespace InterpEval.Suites.Tests;

public class NeighboursAndGroundTruthTests
{
    private static readonly double H = Math.Sqrt(0.5);

    [Test]
    public void NearestNeighboursByDecoderCosineExcludeTheLatentItself()
    {
        using var scope = DisposeScope.Enter();
        // e1, 2·e1 (a duplicate direction), e2, (e1 + e2)/√2.
        var w = Tensor.From(new float[] { 1, 0, 2, 0, 0, 1, (float)H, (float)H }, 4, 2);
        var m = NeighboursSuite.Nearest(w);
        Assert.That(m.Index, Is.EqualTo(new[] { 1, 0, 3, 0 }));
        Assert.That(m.Cosine, Is.EqualTo(new[] { 1, 1, H, H }).Within(1e-6));
        var records = NeighboursSuite.Records("s", m);
        Assert.That(records.Single(r => r.Name == "mean_max_cos").Value, Is.EqualTo((2 + 2 * H) / 4).Within(1e-6));
        Assert.That(records.Single(r => r.Name == "near_duplicate_frac").Value, Is.EqualTo(0.5));
    }

    [Test]
    public void NearestNeighboursAcrossChunksAgreeWithABruteForceTwin()
    {
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(9);
        var w = Tensor.Randn([1500, 8], gen);                        // more rows than one chunk
        var m = NeighboursSuite.Nearest(w);
        var unit = w / w.Norm(2, 1, keepDim: true);
        var cos = unit.Mm(unit.T);
        foreach (int i in new[] { 0, 1023, 1024, 1499 })
        {
            float[] row = cos.Select(0, i).ToArray<float>();
            row[i] = float.NegativeInfinity;
            int best = Array.IndexOf(row, row.Max());
            Assert.That(m.Index[i], Is.EqualTo(best), $"row {i}");
            Assert.That(m.Cosine[i], Is.EqualTo(row[best]).Within(1e-6));
        }
    }

    [Test]
    public void EachLargeLatentDescendsFromItsClosestSmallLatent()
    {
        using var small = Dictionary([1, 0, 0, 1, -1, 0], 3);             // e1, e2, −e1
        using var large = Dictionary([1, 0.1f, 1, -0.1f, 0, 1, 0.1f, 1], 4);   // two children of e1, two of e2
        var parents = NeighboursSuite.Parents(small, large);
        Assert.That(parents.Index, Is.EqualTo(new[] { 0, 0, 1, 1 }));
        Assert.That(parents.Cosine[0], Is.EqualTo(1 / Math.Sqrt(1.01)).Within(1e-6));
        var records = NeighboursSuite.SplittingRecords("small→large", parents, 3);
        Assert.That(records.Single(r => r.Name == "split_match_cos").Value, Is.EqualTo((3 / Math.Sqrt(1.01) + 1) / 4).Within(1e-6));
        Assert.That(records.Single(r => r.Name == "split_fanout").Value, Is.EqualTo(2));
        Assert.That(records.Single(r => r.Name == "split_frac").Value, Is.EqualTo(2.0 / 3));
    }

    [Test]
    public void MatchingAcrossSizesNeedsTheSameHook()
    {
        using var a = Dictionary([1, 0], 1, "blocks.0.hook_resid_post");
        using var b = Dictionary([1, 0], 1, "blocks.1.hook_resid_post");
        Assert.That(() => NeighboursSuite.Parents(a, b), Throws.ArgumentException.With.Message.Contains("same hook"));
    }

    [Test]
    public void GroundTruthScoresTheTrueFeaturesAsPerfectAndTheSuiteRecoversThem()
    {
        using var data = new SyntheticSuperposition(new(Dim: 8, Features: 12, ActivePerSample: 2, Seed: 3));
        using (DisposeScope.Enter())
        {
            var config = new DictionaryConfig { Architecture = "relu", DIn = 8, DSae = 12 };
            var weights = new DictionaryWeights(data.Features.T.Contiguous(), Tensor.Zeros([12L]), data.Features * 3, Tensor.Zeros([8L]));
            using var exact = new ReluDictionary(config, weights, Device.Cpu);
            var r = GroundTruthSuite.Score(exact, data);
            Assert.That(r.Mmcs, Is.EqualTo(1).Within(1e-6));
            Assert.That(r.FractionRecovered, Is.EqualTo(1));
        }

        using var any = TinySubject.Zero("blocks.0.hook_resid_post");
        var records = new GroundTruthSuite().Run(new SuiteInput("x", any, null, null, null, new SuiteOptions(Tokens: 256, ContextLength: 24, SequencesPerBatch: 3)));
        Assert.That(records.Select(r => r.Subject), Is.All.EqualTo(GroundTruthSuite.Subject));
        Assert.That(records.Single(r => r.Name == "mmcs").Value, Is.GreaterThanOrEqualTo(0.95));
        Assert.That(records.Single(r => r.Name == "recovered_frac").Value, Is.GreaterThanOrEqualTo(0.9));
    }

    private static SparseDictionary Dictionary(float[] decoder, int width, string hook = "blocks.0.hook_resid_post")
    {
        using var scope = DisposeScope.Enter();
        var wDec = Tensor.From(decoder, width, 2);
        var weights = new DictionaryWeights(wDec.T.Contiguous().DetachFromScopes(), Tensor.Zeros([(long)width]).DetachFromScopes(),
            wDec.DetachFromScopes(), Tensor.Zeros([2L]).DetachFromScopes());
        return new ReluDictionary(TinySubject.SaeConfig(hook, width, 2), weights, Device.Cpu);
    }
}
