// CltEvaluationTests — a cross-layer transcoder on the tiny model: per-layer reconstruction against a slow twin over the
// captured activations, and the full replacement model against an independent layer-by-layer construction (one forward
// per layer, each replacing the MLP outputs already predicted) — which checks that layer l's output sums the decoders of
// every earlier layer's latents, computed from the replaced model's own inputs.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Tests;

public class CltEvaluationTests
{
    private static CrossLayerTranscoder RandomClt(ulong seed) => CrossLayerTranscoder.Create(
        new CltConfig { Activation = CltActivation.Relu, NLayers = TinySubject.Layers, DModel = TinySubject.DModel, DSae = 24 }, seed, Device.Cpu);

    private static List<EvalBatch> Batches(TinySubject tiny, SuiteOptions o)
    {
        var stream = EvalTokens.ValidationStream(tiny.Corpus, tiny.Tokenizer, tiny.Separator, o.Tokens);
        return EvalTokens.Batches(stream, tiny.Separator, o.ContextLength, o.SequencesPerBatch, Device.Cpu).ToList();
    }

    [Test]
    public void PerLayerReconstructionAgreesWithASlowTwin()
    {
        using var tiny = new TinySubject();
        using var clt = RandomClt(5);
        var o = tiny.Input(TinySubject.Zero("blocks.0.hook_resid_post")).Options;
        var (rec, sparsity) = CltEvaluation.MeasureLayers(clt, tiny.Model, Batches(tiny, o));
        var c = clt.Config;
        double[] sum = new double[TinySubject.Layers];
        long n = 0;
        foreach (var batch in Batches(tiny, o))
            using (batch)
            using (DisposeScope.Enter())
            {
                var hooks = new ForwardHooks().Capture([.. Enumerable.Range(0, TinySubject.Layers).SelectMany(l => new[] { c.InputHookName(l), c.OutputHookName(l) })]);
                using (Autograd.NoGrad()) tiny.Model.Forward(batch.Tokens, hooks);
                long[] tokens = batch.Tokens.Reshape(-1).ToArray<long>();
                long length = batch.Length;
                bool Scored(int i) => i % length != 0 && tokens[i] != tiny.Separator;    // position 0 and separators are never scored
                var inputs = Enumerable.Range(0, TinySubject.Layers).Select(l => hooks.Captured[c.InputHookName(l)].Reshape(-1, TinySubject.DModel)).ToArray();
                var predictions = clt.Predict(inputs);
                for (int l = 0; l < TinySubject.Layers; l++)
                {
                    float[] err = (hooks.Captured[c.OutputHookName(l)].Reshape(-1, TinySubject.DModel) - predictions[l]).Pow(2).Sum(1).ToArray<float>();
                    for (int i = 0; i < tokens.Length; i++) if (Scored(i)) sum[l] += err[i];
                }
                n += Enumerable.Range(0, tokens.Length).Count(Scored);
            }
        for (int l = 0; l < TinySubject.Layers; l++)
        {
            Assert.That(rec[l].Count, Is.EqualTo(n));
            Assert.That(rec[l].Mse.Mean, Is.EqualTo(sum[l] / n).Within(1e-5 * sum[l] / n), $"layer {l}");
            Assert.That(sparsity[l].L0.Mean, Is.GreaterThan(0));
        }
    }

    [Test]
    public void TheReplacementModelMatchesALayerByLayerConstruction()
    {
        using var tiny = new TinySubject();
        using var clt = RandomClt(6);
        var o = tiny.Input(TinySubject.Zero("blocks.0.hook_resid_post")).Options;
        var stats = CltEvaluation.MeasureReplacement(clt, tiny.Model, Batches(tiny, o));
        var c = clt.Config;
        double total = 0;
        long count = 0;
        foreach (var batch in Batches(tiny, o))
            using (batch)
            using (DisposeScope.Enter())
            using (Autograd.NoGrad())
            {
                var keep = batch.Keep.Unsqueeze(-1);
                var predicted = new List<Tensor>();                                          // ŷ_l [S, T, D], layer by layer
                var features = new List<Tensor>();
                for (int l = 0; l < TinySubject.Layers; l++)
                {
                    var hooks = Replacing(predicted, keep).Capture(c.InputHookName(l));
                    tiny.Model.Forward(batch.Tokens, hooks);
                    var input = hooks.Captured[c.InputHookName(l)];
                    features.Add(clt.EncodeLayer(l, input.Reshape(-1, TinySubject.DModel)));
                    var all = Enumerable.Range(0, TinySubject.Layers).Select(s => s < features.Count ? features[s] : Tensor.Zeros([features[0].Size(0), clt.DSae])).ToArray();
                    predicted.Add(clt.Decode(all)[l].View(input.Shape));
                }
                var logProbs = NextTokenScores.LogProbs(tiny.Model.Forward(batch.Tokens, Replacing(predicted, keep))!, batch);
                total += NextTokenScores.CrossEntropySum(logProbs, NextTokenScores.Targets(batch));
                count += logProbs.Size(0);
            }
        Assert.That(stats.CeSpliced.Count, Is.EqualTo(count));
        Assert.That(stats.CeSpliced.Mean, Is.EqualTo(total / count).Within(1e-5));
        Assert.That(stats.Kl.Mean, Is.GreaterThan(0), "a random CLT changes the model");
    }

    [Test]
    public void RunNamesPerLayerRecordsAndRefusesAMismatchedModel()
    {
        using var tiny = new TinySubject();
        using var clt = RandomClt(7);
        var o = new SuiteOptions(Tokens: 96, ContextLength: 24, SequencesPerBatch: 2);
        var records = CltEvaluation.Run("clt", clt, tiny.Model, tiny.Tokenizer, tiny.Corpus, o);
        Assert.That(records.Select(r => r.Name), Does.Contain("fvu").And.Contain("fvu/layer1").And.Contain("dead_frac/layer0").And.Contain("replacement_kl"));
        Assert.That(records.Select(r => r.Key), Is.Unique);
        double fvu = records.Single(r => r.Name == "fvu").Value;
        double[] perLayer = [.. records.Where(r => r.Name.StartsWith("fvu/layer", StringComparison.Ordinal)).Select(r => r.Value)];
        Assert.That(fvu, Is.InRange(perLayer.Min(), perLayer.Max()), "the overall fvu pools the layers");

        using var wide = CrossLayerTranscoder.Create(new CltConfig { Activation = CltActivation.Relu, NLayers = 3, DModel = TinySubject.DModel, DSae = 4 }, 1, Device.Cpu);
        Assert.That(CltEvaluation.Problem(wide, tiny.Model), Does.Contain("3 layers"));
    }

    private static ForwardHooks Replacing(List<Tensor> predicted, Tensor keep)
    {
        var hooks = new ForwardHooks();
        for (int l = 0; l < predicted.Count; l++)
        {
            var yHat = predicted[l];
            hooks.Replace(HookNames.MlpOut(l), v => Tensor.Where(keep, yHat, v));
        }
        return hooks;
    }
}
