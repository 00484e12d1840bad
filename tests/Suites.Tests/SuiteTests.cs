// SuiteTests — each suite end to end on a tiny random GPT-2: a perfect dictionary reconstructs exactly and recovers
// all the CE, a zero dictionary is exactly zero ablation, BOS/separator positions are excluded (checked against a slow
// twin over the captured activations and logits), transcoders splice at the MLP output, the full replacement model,
// and the registry.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Tests;

public class SuiteTests
{
    private const string Resid = "blocks.0.hook_resid_post";

    private static double Value(IReadOnlyList<MetricRecord> records, string name) => records.Single(r => r.Name == name).Value;

    [Test]
    public void APerfectDictionaryHasFvuZeroAndRecoversAllTheLoss()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Perfect(Resid);
        var rec = new ReconstructionSuite().Run(tiny.Input(d));
        Assert.That(Value(rec, "fvu"), Is.EqualTo(0).Within(1e-10));
        Assert.That(Value(rec, "fve"), Is.EqualTo(1).Within(1e-10));
        Assert.That(Value(rec, "mse"), Is.EqualTo(0).Within(1e-9));
        Assert.That(Value(rec, "cosine"), Is.EqualTo(1).Within(1e-6));
        Assert.That(Value(rec, "l2_ratio"), Is.EqualTo(1).Within(1e-6));
        Assert.That(Value(rec, "rel_bias"), Is.EqualTo(1).Within(1e-6));

        var fid = new FidelitySuite().Run(tiny.Input(d));
        Assert.That(Value(fid, "ce_loss_recovered"), Is.EqualTo(1).Within(1e-4));
        Assert.That(Value(fid, "ce_loss_recovered_mean"), Is.EqualTo(1).Within(1e-3));
        Assert.That(Value(fid, "kl"), Is.EqualTo(0).Within(1e-6));
        Assert.That(Value(fid, "top1_agreement"), Is.EqualTo(1));
        Assert.That(Value(fid, "ce_spliced"), Is.EqualTo(Value(fid, "ce_clean")).Within(1e-5));
        Assert.That(Value(fid, "ce_zero_abl"), Is.GreaterThan(Value(fid, "ce_clean")), "zeroing the residual stream hurts");
    }

    [Test]
    public void AZeroDictionaryIsZeroAblation()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Zero(Resid);
        var fid = new FidelitySuite().Run(tiny.Input(d));
        Assert.That(Value(fid, "ce_spliced"), Is.EqualTo(Value(fid, "ce_zero_abl")).Within(1e-12));
        Assert.That(Value(fid, "ce_loss_recovered"), Is.EqualTo(0).Within(1e-12));
        var rec = new ReconstructionSuite().Run(tiny.Input(d));
        Assert.That(Value(rec, "fvu"), Is.GreaterThan(1), "predicting 0 is worse than predicting the mean");
    }

    [Test]
    public void SeparatorPositionsAreExcluded_ReconstructionAgainstASlowTwin()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Random(Resid, 32, seed: 4);
        var input = tiny.Input(d);
        var stats = ReconstructionSuite.Measure(input);
        var (mse, count, separators) = SlowMse(tiny, d, input.Options);
        Assert.That(separators, Is.GreaterThan(0), "the stream holds separators");
        Assert.That(stats.Count, Is.EqualTo(count));
        Assert.That(stats.Mse.Mean, Is.EqualTo(mse).Within(1e-5 * mse));
        Assert.That(stats.Mse.Stderr, Is.Not.Null.And.GreaterThan(0).And.LessThan(mse), "several batches, a sensible spread");
    }

    [Test]
    public void SeparatorPositionsAreExcluded_CleanCrossEntropyAgainstASlowTwin()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Zero(Resid);
        var input = tiny.Input(d);
        var (spliced, _) = FidelitySuite.Measure(input);
        long[] stream = EvalTokens.ValidationStream(tiny.Corpus, tiny.Tokenizer, tiny.Separator, input.Options.Tokens);
        double total = 0;
        long n = 0;
        int t = input.Options.ContextLength;
        for (int start = 0; start + 2 <= stream.Length; start += t)
        {
            long[] window = stream[start..Math.Min(stream.Length, start + t)];
            using var scope = DisposeScope.Enter();
            float[] logits = tiny.Model.Logits(window).LogSoftmax(1).ToArray<float>();
            int v = tiny.Model.Config.VocabSize;
            for (int i = 0; i + 1 < window.Length; i++)
            {
                if (i == 0 || window[i] == tiny.Separator) continue;   // position 0 and separators are never scored
                total -= logits[i * v + window[i + 1]];
                n++;
            }
        }
        Assert.That(spliced.CeClean.Count, Is.EqualTo(n));
        Assert.That(spliced.CeClean.Mean, Is.EqualTo(total / n).Within(1e-5));
    }

    [Test]
    public void SparsityOfThePerfectDictionary()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Perfect(Resid);
        var result = SparsitySuite.Measure(tiny.Input(d));
        // Each coordinate fires either +x or −x (both only when x = 0, never): l0 = d; l1 = E Σ|x_i|.
        Assert.That(Value(result.Records, "l0"), Is.EqualTo(TinySubject.DModel).Within(1e-9));
        Assert.That(result.Densities.Length, Is.EqualTo(2 * TinySubject.DModel));
        for (int i = 0; i < TinySubject.DModel; i++)
            Assert.That(result.Densities[i] + result.Densities[i + TinySubject.DModel], Is.EqualTo(1).Within(1e-12));
        Assert.That(result.Histogram.Counts.Sum(), Is.EqualTo(2 * TinySubject.DModel));
        Assert.That(result.LogDensities[0], Is.EqualTo(Math.Log10(result.Densities[0] + 1e-10)).Within(1e-12));
    }

    [Test]
    public void ATranscoderSplicesAtTheMlpOutput()
    {
        using var tiny = new TinySubject();
        using var zero = TinySubject.Zero(HookNames.Ln2Normalized(1), hookOut: HookNames.MlpOut(1));
        var fid = new FidelitySuite().Run(tiny.Input(zero));
        Assert.That(Value(fid, "ce_spliced"), Is.EqualTo(Value(fid, "ce_zero_abl")).Within(1e-12));

        using var random = TinySubject.Random(HookNames.Ln2Normalized(1), 32, seed: 2, hookOut: HookNames.MlpOut(1));
        var rec = ReconstructionSuite.Measure(tiny.Input(random));
        var (mse, count) = SlowTranscoderMse(tiny, random, tiny.Input(random).Options);
        Assert.That(rec.Count, Is.EqualTo(count));
        Assert.That(rec.Mse.Mean, Is.EqualTo(mse).Within(1e-5 * mse), "y is the MLP output, ŷ the prediction from the MLP input");
    }

    [Test]
    public void TheFullReplacementModelWithZeroTranscodersIsEveryMlpZeroed()
    {
        using var tiny = new TinySubject();
        var layers = Enumerable.Range(0, TinySubject.Layers).Select(l => TinySubject.Zero(HookNames.Ln2Normalized(l), hookOut: HookNames.MlpOut(l))).ToList();
        try
        {
            var input = tiny.Input(layers[0]) with { LayerTranscoders = layers };
            var (_, replacement) = FidelitySuite.Measure(input);
            // Twin: zero every hook_mlp_out at non-separator positions by hand.
            double total = 0;
            long n = 0;
            foreach (var batch in EvalTokens.Batches(input))
                using (batch)
                using (DisposeScope.Enter())
                {
                    var keep = batch.Keep.Unsqueeze(-1);
                    var hooks = new ForwardHooks();
                    for (int l = 0; l < TinySubject.Layers; l++) hooks.Replace(HookNames.MlpOut(l), v => v.MaskedFill(keep, 0));
                    var logProbs = NextTokenScores.LogProbs(tiny.Model.Forward(batch.Tokens, hooks)!, batch);
                    total += NextTokenScores.CrossEntropySum(logProbs, NextTokenScores.Targets(batch));
                    n += logProbs.Size(0);
                }
            Assert.That(replacement, Is.Not.Null);
            Assert.That(replacement!.CeSpliced.Mean, Is.EqualTo(total / n).Within(1e-9));
            var records = new FidelitySuite().Run(input);
            Assert.That(records.Select(r => r.Name), Does.Contain("replacement_kl").And.Contain("replacement_top1_agreement").And.Contain("replacement_ce_delta"));
            Assert.That(Value(records, "replacement_kl"), Is.GreaterThan(0));
        }
        finally
        {
            foreach (var l in layers) l.Dispose();
        }
    }

    [Test]
    public void AnIncompleteReplacementSetCannotRun()
    {
        using var tiny = new TinySubject();
        using var t0 = TinySubject.Zero(HookNames.Ln2Normalized(0), hookOut: HookNames.MlpOut(0));
        var input = tiny.Input(t0) with { LayerTranscoders = [t0] };
        Assert.That(new FidelitySuite().CannotRun(input), Does.Contain("one transcoder per layer"));
    }

    [Test]
    public void ADictionaryOnAMissingHookCannotRun()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Zero("blocks.7.hook_resid_post");
        Assert.That(new ReconstructionSuite().CannotRun(tiny.Input(d)), Does.Contain("blocks.7.hook_resid_post"));
    }

    [Test]
    public void SuitesLeaveNoLiveTensorBehind()
    {
        using var tiny = new TinySubject();
        using var d = TinySubject.Random(Resid, 32, seed: 4);
        using var t = TinySubject.Random(HookNames.Ln2Normalized(0), 16, seed: 5, hookOut: HookNames.MlpOut(0));
        ISuite[] suites = [new ReconstructionSuite(), new SparsitySuite(), new FidelitySuite(), new NeighboursSuite()];
        foreach (var suite in suites) suite.Run(tiny.Input(d));                             // warm-up (lazy tables)
        // Finalise garbage from earlier tests first, so the count can only move by what the suites leave behind.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = Tensor.SettledLiveCount;
        foreach (var suite in suites)
        {
            suite.Run(tiny.Input(d));
            suite.Run(tiny.Input(t));
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void RegistryHasEverySuiteOnceAndNamesTheUnknown()
    {
        Assert.That(SuiteRegistry.Names, Is.Unique);
        Assert.That(SuiteRegistry.Names, Is.SupersetOf(new[] { "reconstruction", "sparsity", "fidelity", "neighbours", "ground-truth" }));
        Assert.That(SuiteRegistry.Get("fidelity"), Is.InstanceOf<FidelitySuite>());
        Assert.That(() => SuiteRegistry.Get("nope"), Throws.ArgumentException.With.Message.Contains("reconstruction"));
    }

    // Σ‖x − x̂‖² over non-separator positions of the same windows but position 0 of each, one window at a time.
    private static (double Mse, long Count, long Separators) SlowMse(TinySubject tiny, SparseDictionary d, SuiteOptions o)
    {
        long[] stream = EvalTokens.ValidationStream(tiny.Corpus, tiny.Tokenizer, tiny.Separator, o.Tokens);
        double total = 0;
        long n = 0, separators = 0;
        foreach (var (window, x, _) in Windows(tiny, stream, o.ContextLength, d.Config.HookName, d.Config.HookName))
        {
            using var scope = DisposeScope.Enter();
            float[] err = (x - d.Predict(x)).Pow(2).Sum(1).ToArray<float>();
            for (int i = 0; i < window.Length; i++)
            {
                if (window[i] == tiny.Separator) { separators++; continue; }
                if (i == 0) continue;                                      // position 0 of a window is never scored
                total += err[i];
                n++;
            }
        }
        return (total / n, n, separators);
    }

    private static (double Mse, long Count) SlowTranscoderMse(TinySubject tiny, SparseDictionary d, SuiteOptions o)
    {
        long[] stream = EvalTokens.ValidationStream(tiny.Corpus, tiny.Tokenizer, tiny.Separator, o.Tokens);
        double total = 0;
        long n = 0;
        foreach (var (window, x, y) in Windows(tiny, stream, o.ContextLength, d.Config.HookName, d.Config.HookNameOut!))
        {
            using var scope = DisposeScope.Enter();
            float[] err = (y - d.Predict(x)).Pow(2).Sum(1).ToArray<float>();
            for (int i = 1; i < window.Length; i++)
                if (window[i] != tiny.Separator) { total += err[i]; n++; }
        }
        return (total / n, n);
    }

    // Each window's tokens and the two hooks' activations [T, d] (in a scope the caller does not own: disposed by GC).
    private static IEnumerable<(long[] Window, Tensor X, Tensor Y)> Windows(TinySubject tiny, long[] stream, int t, string inHook, string outHook)
    {
        for (int start = 0; start + 2 <= stream.Length; start += t)
        {
            long[] window = stream[start..Math.Min(stream.Length, start + t)];
            var hooks = new ForwardHooks { NeedLogits = false }.Capture(inHook, outHook);
            using (Autograd.NoGrad()) tiny.Model.Forward(Tensor.From(window, 1, window.Length), hooks);
            yield return (window, hooks.Captured[inHook].Squeeze(0), hooks.Captured[outHook].Squeeze(0));
        }
    }
}
