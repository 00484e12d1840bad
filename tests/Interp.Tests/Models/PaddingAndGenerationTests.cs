// Batched forwards with padding (left and right) and seeded generation with hooks active.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Tests.Models;

[TestFixture("gpt2")]
[TestFixture("llama")]
public class PaddingAndGenerationTests(string variant) : TinyModelFixture(variant)
{

    [Test]
    public void RightAndLeftPaddingLeaveRealPositionsUnchanged()
    {
        long[] a = [5, 6, 7, 8, 9], b = [11, 12, 13];
        var aAlone = Model.Logits(a);
        var bAlone = Model.Logits(b);
        var tokens = Tensor.From<long>([5, 6, 7, 8, 9, 11, 12, 13, 0, 0], [2, 5]);
        var rightMask = Tensor.From<long>([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
        var right = Model.Forward(tokens, attentionMask: rightMask)!;
        Assert.That(right.Select(0, 0).AllClose(aAlone, 1e-5, 1e-5));
        Assert.That(right.Select(0, 1).Narrow(0, 0, 3).AllClose(bAlone, 1e-5, 1e-5));

        var leftTokens = Tensor.From<long>([5, 6, 7, 8, 9, 0, 0, 11, 12, 13], [2, 5]);
        var leftMask = Tensor.From<long>([1, 1, 1, 1, 1, 0, 0, 1, 1, 1], [2, 5]);
        var left = Model.Forward(leftTokens, attentionMask: leftMask)!;
        Assert.That(left.Select(0, 1).Narrow(0, 2, 3).AllClose(bAlone, 1e-5, 1e-5));
    }

    [Test]
    public void GreedyGenerationIsDeterministicAndMatchesArgmax()
    {
        long[] prompt = [1, 2, 3];
        var first = TextGenerator.Generate(Model, prompt, new SamplingOptions(MaxNewTokens: 5));
        Assert.That(first, Has.Length.EqualTo(5));
        Assert.That(TextGenerator.Generate(Model, prompt, new SamplingOptions(MaxNewTokens: 5)), Is.EqualTo(first));
        Assert.That(first[0], Is.EqualTo(Model.Logits(prompt).Select(0, 2).ArgMax(0).ToInt64()));
    }

    [Test]
    public void SamplingRepeatsWithTheSeed()
    {
        long[] prompt = [4, 5];
        var o = new SamplingOptions(MaxNewTokens: 12, Temperature: 1.5, TopK: 10, Seed: 7);
        var a = TextGenerator.Generate(Model, prompt, o);
        Assert.That(TextGenerator.Generate(Model, prompt, o), Is.EqualTo(a));
        var others = Enumerable.Range(8, 5).Select(s => TextGenerator.Generate(Model, prompt, o with { Seed = (ulong)s }));
        Assert.That(others.Any(x => !x.SequenceEqual(a)), "another seed draws another sequence");
        var greedy = TextGenerator.Generate(Model, prompt, o with { Temperature = 0 });
        Assert.That(TextGenerator.Generate(Model, prompt, o with { TopK = 1 }), Is.EqualTo(greedy), "top-1 sampling is greedy");
    }

    [Test]
    public void HooksSteerGeneration()
    {
        long[] prompt = [4, 5, 6];
        var plain = TextGenerator.Generate(Model, prompt, new SamplingOptions(MaxNewTokens: 6));
        // Overwrite the final normalised residual with the unembedding column of the token whose column is longest:
        // by Cauchy-Schwarz that token then has the largest logit, so greedy generation must produce only it.
        var unembed = Unembedding();                                                      // [D, V]
        long target = unembed.Norm(2, 0).ArgMax(0).ToInt64();
        var column = unembed.Select(1, target);
        var steer = new ForwardHooks().Replace(HookNames.LnFinalNormalized, v => v * 0 + column);
        var steered = TextGenerator.Generate(Model, prompt, new SamplingOptions(MaxNewTokens: 6), steer);
        Assert.That(steered, Is.All.EqualTo(target));
        Assert.That(plain, Is.Not.All.EqualTo(target));
    }

    // W_U recovered through the hook: feeding the identity matrix as the final residual gives logits = I · W_U.
    private Tensor Unembedding()
    {
        long d = Model.Config.DModel;
        var eye = Tensor.Zeros([d, d]);
        for (long i = 0; i < d; i++) eye.Select(0, i).Narrow(0, i, 1).Fill_(1);
        var hooks = new ForwardHooks().Replace(HookNames.LnFinalNormalized, v => v * 0 + eye);
        return Model.Forward(Tensor.Zeros([1, d], ScalarType.Int64), hooks)!.Select(0, 0);
    }
}
