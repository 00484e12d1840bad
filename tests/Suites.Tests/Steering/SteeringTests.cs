// Steering: the clamp keeps the error term (α = 1 on the latent's own value leaves the logits unchanged, for an sae and
// a transcoder), a constant clamp adds exactly (v − f_i)·W_dec,i, the score's parts, and the suite end to end.
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Suites.Steering;

namespace InterpEval.Suites.Tests.Steering;

public class SteeringTests
{
    private static readonly long[] Tokens = [4256, 464, 1000, 37, 2500, 12, 99, 3000];

    private static float[] Logits(ForwardHooks? hooks)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        return EmbeddedSubject.Model.Forward(Tensor.From<long>(Tokens, [1, Tokens.Length]), hooks)!.ToArray<float>();
    }

    [TestCase(DictionaryKind.Sae)]
    [TestCase(DictionaryKind.Transcoder)]
    public void ScalingALatentByOneLeavesTheLogitsUnchanged(DictionaryKind kind)
    {
        using var dictionary = EmbeddedSubject.Dictionary(kind);
        float[] clean = Logits(null);
        Assert.That(Logits(LatentClamp.Scaled(dictionary, 3, 1).Attach()), Is.EqualTo(clean));
        // The same dictionary spliced in without the error term would change them: the identity is not vacuous.
        var spliced = new ForwardHooks().Replace(dictionary.Config.HookName, x => kind == DictionaryKind.Sae ? dictionary.Predict(x) : x);
        if (kind == DictionaryKind.Sae) Assert.That(Logits(spliced), Is.Not.EqualTo(clean));
        Assert.That(Logits(LatentClamp.ToValue(dictionary, 3, 50).Attach()), Is.Not.EqualTo(clean));
    }

    [Test]
    public void ConstantClampAddsTheDecoderRowTimesTheChange()
    {
        using var dictionary = EmbeddedSubject.Dictionary();
        using var scope = DisposeScope.Enter();
        using var gen = new Generator(2);
        var x = Tensor.Randn([5, 128], gen);                                      // [N, D]
        var f = dictionary.Encode(x);                                              // [N, F]
        var delta = LatentClamp.ToValue(dictionary, 7, 4.0).Delta(f);              // [N, D]
        var expected = (f.Narrow(1, 7, 1).RSub(4.0)) * dictionary.WDec.Narrow(0, 7, 1); // [N, 1] · [1, D]
        Assert.That(delta.AllClose(expected, rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [Test]
    public void ScoreIsTheHarmonicMeanOfSuccessAndRetention()
    {
        Assert.That(SteeringMeasures.Score(0.5, 1.0), Is.EqualTo(2 * 0.5 / 1.5).Within(1e-15));
        Assert.That(SteeringMeasures.Score(0, 0), Is.EqualTo(0));
        Assert.That(SteeringMeasures.FluencyRetention(2.0, 4.0), Is.EqualTo(0.5));
        Assert.That(SteeringMeasures.FluencyRetention(2.0, 1.5), Is.EqualTo(1), "capped at 1");
    }

    [Test]
    public void SuiteReportsEveryMeasurePerAlpha()
    {
        using var dictionary = EmbeddedSubject.Dictionary();
        var suite = new SteeringSuite(new SteeringOptions(Concepts: ["dna"], Alphas: [0, 5], Prompts: ["The"], NewTokens: 6,
            HeldOutSequences: 1, StatisticsTokens: 4096));
        var records = suite.Run(EmbeddedSubject.Input(dictionary, tokens: 16384)).ToDictionary(r => r.Name);
        foreach (var name in new[] { "concept_rate/dna/alpha_5", "kl/dna/alpha_5", "ce/dna/alpha_5", "fluency/dna/alpha_5", "score/dna/alpha_0", "best_score/dna" })
            Assert.That(records.ContainsKey(name), name);
        Assert.That(records["kl/dna/alpha_5"].Value, Is.GreaterThanOrEqualTo(0));
        Assert.That(records["ce/dna/unsteered"].Value, Is.InRange(0.5, 9.0));
        Assert.That(records["fluency/dna/alpha_5"].Value, Is.InRange(0, 1));
        Assert.That(records["best_score/dna"].Value, Is.EqualTo(Math.Max(records["score/dna/alpha_0"].Value, records["score/dna/alpha_5"].Value)));
    }
}
