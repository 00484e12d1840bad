// Interventions: with --direct, doubling or zeroing a latent moves every target latent's pre-activation and every
// de-meaned logit by exactly that latent's edge weights (circuit-tracer checks the same); with no edit every mode
// reproduces the real logits; propagation and free attention are not inert.
using InterpEval.Interp.Circuits;

namespace InterpEval.Interp.Tests.Circuits;

[TestFixture("gpt2", "plt")]
[TestFixture("gpt2", "skip")]
[TestFixture("gpt2", "clt")]
public class InterventionTests(string variant, string coderKind) : CircuitFixture(variant, coderKind)
{
    [Test]
    public void NoEditReproducesTheRealLogitsInEveryMode()
    {
        var real = Model.Logits(Prompt);
        foreach (var mode in Enum.GetValues<InterventionMode>())
            Assert.That((Interventions.Logits(Lrm, [], mode) - real).Abs().Max().ToDouble(), Is.LessThan(1e-4), mode.ToString());
    }

    [TestCase(2.0)]
    [TestCase(0.0)]
    public void DirectEditMovesEachTargetByExactlyItsEdgeWeight(double factor)
    {
        using var graph = Attribution.Run(Lrm, new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 16), "p", id => $"t{id}", out _);
        var nodes = graph.Nodes;
        int n = nodes.Count, T = Prompt.Length;
        // The source: the layer-0 latent with the largest total |outgoing| weight.
        var abs = graph.Adjacency.Abs().Sum(0).ToArray<float>();
        int s = Enumerable.Range(0, n).Where(i => nodes[i].Kind == NodeKind.Feature && nodes[i].Layer == 0).MaxBy(i => abs[i]);
        Assert.That(abs[s], Is.GreaterThan(0.01));
        var src = nodes[s];
        var pass = Interventions.DirectPass(Lrm, [new LatentEdit(src.Layer, src.Position, src.Index, src.Activation!.Value * factor)]);
        var column = graph.Adjacency.Select(1, s).ToArray<float>();
        var wU = Model.UnembeddingMatrix;
        var cleanLogits = Lrm.Logits.Select(0, T - 1);
        var newLogits = pass.Logits.Select(0, 0).Select(0, T - 1);
        int checkedTargets = 0;
        for (int t = 0; t < n; t++)
        {
            var node = nodes[t];
            double delta;
            if (node.Kind == NodeKind.Feature)
            {
                double before = Lrm.PreActivations[node.Layer].Select(0, node.Position).Select(0, node.Index).ToDouble();
                double after = Coder.PreActivations(node.Layer, pass.Inputs[node.Layer].Select(0, 0)).Select(0, node.Position).Select(0, node.Index).ToDouble();
                delta = after - before;
            }
            else if (node.Kind == NodeKind.Logit)
                delta = (newLogits.Select(0, node.Index).ToDouble() - newLogits.Mean().ToDouble())
                        - (cleanLogits.Select(0, node.Index).ToDouble() - cleanLogits.Mean().ToDouble());
            else continue;
            double expected = (factor - 1) * column[t];
            Assert.That(delta, Is.EqualTo(expected).Within(1e-4 + 1e-3 * Math.Abs(expected)), $"{src.Id} → {node.Id}");
            if (column[t] != 0) checkedTargets++;
        }
        Assert.That(checkedTargets, Is.GreaterThan(2));
    }

    [Test]
    public void PropagationAndFreeAttentionAreNotInert()
    {
        var active = Attribution.Active(Lrm);
        // Ablate every layer-0 latent at every position but the first: the effect must differ between modes.
        var edits = Enumerable.Range(0, active.Count).Where(i => active.Layer[i] == 0 && active.Position[i] > 0)
            .Select(i => new LatentEdit(0, active.Position[i], active.Latent[i], 0)).ToArray();
        var direct = Interventions.Logits(Lrm, edits, InterventionMode.Direct);
        var frozen = Interventions.Logits(Lrm, edits, InterventionMode.FrozenAttention);
        var free = Interventions.Logits(Lrm, edits, InterventionMode.FreeAttention);
        var real = Model.Logits(Prompt);
        Assert.That((direct - real).Abs().Max().ToDouble(), Is.GreaterThan(1e-3));
        Assert.That((frozen - direct).Abs().Max().ToDouble(), Is.GreaterThan(1e-4), "propagation through later latents and live norms");
        Assert.That((free - frozen).Abs().Max().ToDouble(), Is.GreaterThan(1e-4), "recomputed attention");
        Assert.Throws<ArgumentException>(() => Interventions.Logits(Lrm, [new LatentEdit(0, 99, 0, 1)], InterventionMode.Direct));
    }
}
