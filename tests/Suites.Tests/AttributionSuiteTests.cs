// The attribution suite: six records per transcoder set (run once, on its layer-0 transcoder) and per CLT, scores in
// [0, 1] that depend on the dictionaries, the set named after its layer-0 member, and clear reasons when it cannot run.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Tests;

public class AttributionSuiteTests
{
    private static List<SparseDictionary> Set(Func<int, SparseDictionary> make) => Enumerable.Range(0, TinySubject.Layers).Select(make).ToList();

    [Test]
    public void RunsOncePerTranscoderSetWithScoresThatDependOnTheDictionaries()
    {
        using var tiny = new TinySubject();
        var random = Set(l => TinySubject.Random(HookNames.Ln2Normalized(l), 32, seed: (ulong)(3 + l), hookOut: HookNames.MlpOut(l)));
        var zero = Set(l => TinySubject.Zero(HookNames.Ln2Normalized(l), hookOut: HookNames.MlpOut(l)));
        try
        {
            var suite = new AttributionSuite();
            var input = tiny.Input(random[0]) with { Subject = "plt-l0", LayerTranscoders = random };
            Assert.That(suite.CannotRun(input), Is.Null);
            Assert.That(suite.CannotRun(tiny.Input(random[1]) with { LayerTranscoders = random }), Does.Contain("once per transcoder set"));
            Assert.That(suite.CannotRun(tiny.Input(random[0])), Does.Contain("a transcoder for every layer"));
            var records = suite.Run(input);
            Assert.That(records.Select(r => r.Name), Is.EqualTo(new[]
            {
                "replacement_score", "completeness_score", "pruned_replacement_score", "pruned_completeness_score", "pruned_nodes", "pruned_edges",
            }));
            Assert.That(records.Select(r => r.Subject).Distinct(), Is.EqualTo(new[] { "plt" }));
            Assert.That(records.Take(4).Select(r => r.Value), Is.All.InRange(0.0, 1.0));
            Assert.That(records[4].Value, Is.GreaterThan(TinySubject.Layers));
            // Zero transcoders have no latents: every MLP output is error, and the scores move. (Completeness need not fall:
            // an error node has no inputs, so circuit-tracer's formula counts its own row as complete.)
            var zeroRecords = suite.Run(tiny.Input(zero[0]) with { LayerTranscoders = zero });
            Assert.That(zeroRecords[1].Value, Is.Not.EqualTo(records[1].Value).Within(1e-6), "completeness depends on the dictionaries");
            Assert.That(zeroRecords[0].Value, Is.Not.EqualTo(records[0].Value).Within(1e-6), "replacement depends on the dictionaries");
        }
        finally
        {
            foreach (var d in random.Concat(zero)) d.Dispose();
        }
    }

    [Test]
    public void RunsOnACrossLayerTranscoder()
    {
        using var tiny = new TinySubject();
        using var clt = CrossLayerTranscoder.Create(new CltConfig { Activation = CltActivation.Relu, NLayers = TinySubject.Layers, DModel = TinySubject.DModel, DSae = 24 }, 4, Device.Cpu);
        var records = AttributionSuite.RunClt("clt", clt, tiny.Model, tiny.Tokenizer);
        Assert.That(records, Has.Count.EqualTo(6));
        Assert.That(records.Select(r => r.Suite).Distinct(), Is.EqualTo(new[] { AttributionSuite.SuiteName }));
        Assert.That(records.Take(4).Select(r => r.Value), Is.All.InRange(0.0, 1.0));
        Assert.That(AttributionSuite.SetName("plt-l0"), Is.EqualTo("plt"));
    }
}
