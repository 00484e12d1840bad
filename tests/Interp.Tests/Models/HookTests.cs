// Hook points: capture, replace, detach and early stop, on GPT-2 and Llama alike.
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Tests.Models;

[TestFixture("gpt2")]
[TestFixture("qwen3")]
public class HookTests(string variant) : TinyModelFixture(variant)
{
    private static readonly long[] Ids = [3, 17, 5, 0, 41, 9];

    private Tensor Tokens() => Tensor.From<long>(Ids, [1, Ids.Length]);

    [Test]
    public void EveryHookPointCanBeCapturedWithTheDocumentedShape()
    {
        var hooks = new ForwardHooks().Capture(Model.HookPoints.ToArray());
        Model.Forward(Tokens(), hooks);
        long t = Ids.Length, d = Model.Config.DModel;
        Assert.That(hooks.Captured.Keys, Is.EquivalentTo(Model.HookPoints));
        Assert.That(hooks.Captured[HookNames.ResidPre(1)].Shape, Is.EqualTo(new long[] { 1, t, d }));
        Assert.That(hooks.Captured[HookNames.Ln2Normalized(0)].Shape, Is.EqualTo(new long[] { 1, t, d }));
        Assert.That(hooks.Captured[HookNames.AttnPattern(0)].Shape, Is.EqualTo(new long[] { 1, Model.Config.NHeads, t, t }));
        Assert.That(hooks.Captured[HookNames.Ln1Scale(1)].Shape, Is.EqualTo(new long[] { 1, t, 1 }));
        Assert.That(hooks.Captured[HookNames.MlpPost(1)].Shape, Is.EqualTo(new long[] { 1, t, Model.Config.DMlp }));
        // The residual stream adds up: resid_post = resid_mid + mlp_out = resid_pre + attn_out + mlp_out.
        var c = hooks.Captured;
        Assert.That((c[HookNames.ResidMid(0)] + c[HookNames.MlpOut(0)]).AllClose(c[HookNames.ResidPost(0)], 1e-6, 1e-6));
        Assert.That((c[HookNames.ResidPre(0)] + c[HookNames.AttnOut(0)]).AllClose(c[HookNames.ResidMid(0)], 1e-6, 1e-6));
        Assert.That(c[HookNames.ResidPost(0)].AllClose(c[HookNames.ResidPre(1)]));
        // Attention patterns are causal distributions.
        var pattern = c[HookNames.AttnPattern(1)];
        Assert.That(pattern.Sum(-1).AllClose(Tensor.Ones([1, Model.Config.NHeads, t]), 1e-5, 1e-5));
        Assert.That(pattern.Triu(1).Abs().Max().ToDouble(), Is.EqualTo(0));
    }

    [Test]
    public void IdentityReplacementChangesNothingAndARealOneChangesDownstream()
    {
        var clean = Model.Forward(Tokens())!;
        // Identity at every hook but the norm scales (those switch the norm to its unfused form; see the scale test).
        var hooks = new ForwardHooks();
        foreach (var name in Model.HookPoints.Where(n => !n.EndsWith("hook_scale"))) hooks.Replace(name, v => v);
        Assert.That(Model.Forward(Tokens(), hooks)!.ToArray<float>(), Is.EqualTo(clean.ToArray<float>()));

        var zeroed = new ForwardHooks().Replace(HookNames.MlpOut(0), v => v * 0).Capture(HookNames.ResidPost(0), HookNames.ResidMid(0));
        var changed = Model.Forward(Tokens(), zeroed)!;
        Assert.That(changed.AllClose(clean), Is.False);
        Assert.That(zeroed.Captured[HookNames.ResidPost(0)].AllClose(zeroed.Captured[HookNames.ResidMid(0)]), "mlp_out was zero");
    }

    [Test]
    public void ReplacementOfTheWrongShapeIsRefused()
    {
        var hooks = new ForwardHooks().Replace(HookNames.ResidPre(0), v => v.Narrow(1, 0, 2));
        var e = Assert.Throws<ArgumentException>(() => Model.Forward(Tokens(), hooks));
        Assert.That(e!.Message, Does.Contain(HookNames.ResidPre(0)));
    }

    [Test]
    public void UnknownHookIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => Model.Forward(Tokens(), new ForwardHooks().Capture("blocks.0.hook_nope")));
        Assert.That(e!.Message, Does.Contain("blocks.0.hook_nope"));
        Assert.Throws<ArgumentException>(() => Model.Forward(Tokens(), new ForwardHooks().Capture("blocks.9.hook_resid_pre")));
    }

    [Test]
    public void EarlyStopReturnsNoLogitsButTheSameActivations()
    {
        var full = new ForwardHooks().Capture(HookNames.ResidPost(0));
        Model.Forward(Tokens(), full);
        var early = new ForwardHooks { NeedLogits = false }.Capture(HookNames.ResidPost(0));
        Assert.That(Model.Forward(Tokens(), early), Is.Null);
        Assert.That(early.Captured[HookNames.ResidPost(0)].ToArray<float>(), Is.EqualTo(full.Captured[HookNames.ResidPost(0)].ToArray<float>()));
    }

    [Test]
    public void ScaleHooksUseTheUnfusedNormWithTheSameResult()
    {
        var clean = Model.Forward(Tokens())!;
        var hooks = new ForwardHooks().Capture(HookNames.Ln1Scale(0), HookNames.Ln2Scale(1), HookNames.LnFinalScale);
        Assert.That(Model.Forward(Tokens(), hooks)!.AllClose(clean, 1e-5, 1e-5));
        Assert.That(hooks.Captured[HookNames.LnFinalScale].Min().ToDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void DetachStopsGradientThroughAHook()
    {
        // Gradient of the last position's logits w.r.t. the embeddings of the earlier positions.
        double? GradToEarlierPositions(params string[] detached)
        {
            var hooks = new ForwardHooks().Capture(HookNames.Embed).Replace(HookNames.Embed, e => e.Detach().RequiresGrad_());
            foreach (var n in detached) hooks.Detach(n);
            var logits = Model.Forward(Tokens(), hooks)!;
            if (!logits.RequiresGrad) return null;
            var grad = Autograd.Grad([logits.Select(1, Ids.Length - 1).Sum()], [hooks.Captured[HookNames.Embed]])[0]!;
            return grad.Narrow(1, 0, Ids.Length - 1).Norm().ToDouble();
        }
        double open = GradToEarlierPositions()!.Value;
        Assert.That(open, Is.GreaterThan(1e-6), "earlier positions influence the last logit");
        Assert.That(GradToEarlierPositions(HookNames.ResidPre(0)), Is.Null, "nothing upstream of a detached residual gets gradient");
        // Frozen attention patterns cut the query-key path only: gradient still flows through the values, and changes.
        var patterns = Enumerable.Range(0, Model.Config.NLayers).Select(HookNames.AttnPattern).ToArray();
        double frozen = GradToEarlierPositions(patterns)!.Value;
        Assert.That(frozen, Is.GreaterThan(1e-6));
        Assert.That(frozen, Is.Not.EqualTo(open).Within(1e-9));
    }
}
