// The local replacement model: its logits are the real model's (to float tolerance) and its forward is affine in the
// sources (embedding, MLP values), so gradients flow only through the frozen linear paths — for per-layer transcoders,
// skip-transcoders and CLTs, on GPT-2 and a Llama-family model.
using InterpEval.Interp.Circuits;

namespace InterpEval.Interp.Tests.Circuits;

[TestFixture("gpt2", "plt")]
[TestFixture("gpt2", "skip")]
[TestFixture("gpt2", "clt")]
[TestFixture("qwen3", "plt")]
[TestFixture("llama", "clt")]
public class LocalReplacementModelTests(string variant, string coderKind) : CircuitFixture(variant, coderKind)
{
    [Test]
    public void FrozenForwardReproducesTheRealLogits()
    {
        var real = Model.Logits(Prompt);                                                     // [T, V]
        var (embed, mlp) = Lrm.CleanSources(2);
        var logits = Lrm.Forward(embed, mlp).Logits;                                         // [2, T, V]
        for (int b = 0; b < 2; b++)
            Assert.That((logits.Select(0, b) - real).Abs().Max().ToDouble(), Is.LessThan(1e-4), $"copy {b}");
        Assert.That((Lrm.Logits - real).Abs().Max().ToDouble(), Is.LessThan(1e-4));
    }

    [Test]
    public void ErrorsMakeTheReconstructionExactAndAreNotZero()
    {
        for (int l = 0; l < Coder.NLayers; l++)
        {
            var rebuilt = Coder.Decode(l, Lrm.Latents) + Lrm.Errors[l];
            var skip = Coder.Skip(l, Lrm.Inputs[l]);
            if (skip is not null) rebuilt = rebuilt + skip;
            Assert.That((rebuilt - Lrm.MlpOut[l]).Abs().Max().ToDouble(), Is.LessThan(1e-5), $"layer {l}");
            Assert.That(Lrm.Errors[l].Abs().Max().ToDouble(), Is.GreaterThan(1e-3), "random dictionaries leave an error");
        }
    }

    [Test]
    public void FrozenForwardIsAffineInItsSources()
    {
        // f(α·s + (1 − α)·s') = α f(s) + (1 − α) f(s') holds for an affine map and fails through any live nonlinearity
        // (attention softmax, a norm's scale, an MLP): the inputs are far apart on purpose.
        using var noGrad = Autograd.NoGrad();
        using var gen = new Generator(4);
        var (embed, mlp) = Lrm.CleanSources(1);
        var embed2 = Tensor.Randn(embed.Shape, gen) * 2;
        var mlp2 = mlp.Select(m => Tensor.Randn(m.Shape, gen) * 2).ToArray();
        const double a = 0.3;
        var mixed = Lrm.Forward(embed * a + embed2 * (1 - a), mlp.Zip(mlp2, (x, y) => x * a + y * (1 - a)).ToArray());
        var p1 = Lrm.Forward(embed, mlp);
        var p2 = Lrm.Forward(embed2, mlp2);
        var expected = p1.Logits * a + p2.Logits * (1 - a);
        Assert.That((mixed.Logits - expected).Abs().Max().ToDouble(), Is.LessThan(1e-3 * (1 + expected.Abs().Max().ToDouble())));
        for (int l = 0; l < Coder.NLayers; l++)
        {
            var e = p1.Inputs[l] * a + p2.Inputs[l] * (1 - a);
            Assert.That((mixed.Inputs[l] - e).Abs().Max().ToDouble(), Is.LessThan(1e-4 * (1 + e.Abs().Max().ToDouble())), $"input {l}");
        }
        // The real model is not affine in its embedding: the check above has power.
        var realMixed = Model.Forward(Tensor.From<long>(Prompt, [1, Prompt.Length]),
            new InterpEval.Interp.Models.ForwardHooks().Replace(InterpEval.Interp.Models.HookNames.Embed, _ => embed * a + embed2 * (1 - a)))!;
        var real1 = Model.Forward(Tensor.From<long>(Prompt, [1, Prompt.Length]))!;
        var real2 = Model.Forward(Tensor.From<long>(Prompt, [1, Prompt.Length]),
            new InterpEval.Interp.Models.ForwardHooks().Replace(InterpEval.Interp.Models.HookNames.Embed, _ => embed2))!;
        Assert.That((realMixed - (real1 * a + real2 * (1 - a))).Abs().Max().ToDouble(), Is.GreaterThan(1e-2));
    }

    [Test]
    public void ActiveSetListsEveryNonZeroLatentInLayerPositionOrder()
    {
        var active = Attribution.Active(Lrm);
        long expected = Lrm.Latents.Sum(f => f.Ne(0).Sum().ToInt64());
        Assert.That(active.Count, Is.EqualTo(expected));
        Assert.That(active.Count, Is.GreaterThan(10));
        for (int i = 0; i < active.Count; i++)
            Assert.That(active.Activation[i], Is.EqualTo(Lrm.Latents[active.Layer[i]].Select(0, active.Position[i]).Select(0, active.Latent[i]).ToDouble()).Within(1e-6));
        var keys = Enumerable.Range(0, active.Count).Select(i => (active.Layer[i], active.Position[i], active.Latent[i])).ToArray();
        Assert.That(keys, Is.Ordered);
    }
}
