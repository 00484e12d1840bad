// Attribution rows: a latent's incoming edges sum to its pre-activation less the constant terms, a logit's to its
// de-meaned logit less constants (the constants being what the frozen model gives with every source at zero); one row
// equals a slow twin that differentiates the full replacement model with respect to a multiplier on each source; the
// logit nodes follow --logit-prob and --max-logits; --max-feature-nodes keeps the most influential rows.
using InterpEval.Interp.Circuits;

namespace InterpEval.Interp.Tests.Circuits;

[TestFixture("gpt2", "plt")]
[TestFixture("gpt2", "skip")]
[TestFixture("gpt2", "clt")]
[TestFixture("qwen3", "clt")]
public class AttributionTests(string variant, string coderKind) : CircuitFixture(variant, coderKind)
{
    private static string Text(long id) => $"t{id}";

    private AttributionGraph Graph(AttributionOptions? options = null) =>
        Attribution.Run(Lrm, options ?? new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 5), "p", Text, out _);

    [Test]
    public void FeatureRowsSumToPreActivationLessConstants()
    {
        using var graph = Graph();
        var constant = ConstantPass();
        var adjacency = graph.Adjacency.ToArray<float>();
        int n = graph.Nodes.Count, checkedRows = 0;
        for (int i = 0; i < n; i++)
        {
            var node = graph.Nodes[i];
            if (node.Kind != NodeKind.Feature) continue;
            double rowSum = adjacency.AsSpan(i * n, n).ToArray().Sum(v => (double)v);
            double pre = Lrm.PreActivations[node.Layer].Select(0, node.Position).Select(0, node.Index).ToDouble();
            double c = Coder.PreActivations(node.Layer, constant.Inputs[node.Layer].Select(0, 0)).Select(0, node.Position).Select(0, node.Index).ToDouble();
            Assert.That(rowSum + c, Is.EqualTo(pre).Within(1e-4 * (1 + Math.Abs(pre))), $"feature {node.Id}");
            checkedRows++;
        }
        Assert.That(checkedRows, Is.GreaterThan(10));
    }

    [Test]
    public void LogitRowsSumToDeMeanedLogitLessConstants()
    {
        using var graph = Graph();
        var constant = ConstantPass();
        var adjacency = graph.Adjacency.ToArray<float>();
        int n = graph.Nodes.Count, t = Prompt.Length;
        var wU = Model.UnembeddingMatrix;
        var logits = Lrm.Logits.Select(0, t - 1);
        var constLogits = constant.FinalNormalized.Select(0, 0).Select(0, t - 1).Unsqueeze(0).MatMul(wU).Squeeze(0);
        int seen = 0;
        for (int i = 0; i < n; i++)
        {
            var node = graph.Nodes[i];
            if (node.Kind != NodeKind.Logit) continue;
            double rowSum = adjacency.AsSpan(i * n, n).ToArray().Sum(v => (double)v);
            double demeaned = logits.Select(0, node.Index).ToDouble() - logits.Mean().ToDouble();
            double c = constLogits.Select(0, node.Index).ToDouble() - constLogits.Mean().ToDouble();
            Assert.That(rowSum + c, Is.EqualTo(demeaned).Within(1e-4 * (1 + Math.Abs(demeaned))), $"logit {node.Id}");
            seen++;
        }
        Assert.That(seen, Is.EqualTo(graph.Count(NodeKind.Logit)).And.GreaterThan(0));
    }

    [Test]
    public void RowsMatchASlowTwinThatDifferentiatesTheWholeReplacementModel()
    {
        using var graph = Graph();
        var active = Attribution.Active(Lrm);
        int L = Coder.NLayers, T = Prompt.Length, nF = active.Count;
        long D = Coder.DModel;
        // Multipliers m (all 1) on every source: mlp_l = Σ_s m_s a_s dec_s,l + b_dec,l + m_err(l)·err_l; embed = m_tok·embed.
        var mFeat = Tensor.Ones([nF]).RequiresGrad_();
        var mErr = Tensor.Ones([L, T]).RequiresGrad_();
        var mTok = Tensor.Ones([T]).RequiresGrad_();
        var mlp = new Tensor[L];
        for (int l = 0; l < L; l++)
        {
            var value = Coder.DecoderBias(l).View(1, D).Expand(T, D) + Lrm.Errors[l] * mErr.Select(0, l).View(T, 1);
            for (int s = 0; s < nF; s++)
            {
                if (active.Layer[s] > l) continue;
                var dec = Coder.DecoderRows(active.Layer[s], Tensor.From(new[] { active.Latent[s] }, 1)).Select(0, 0).Select(0, l);   // [D]
                var oneHot = Tensor.Zeros([T, 1]);
                oneHot.Select(0, active.Position[s]).Fill_(active.Activation[s]);
                value = value + oneHot * dec.View(1, D) * mFeat.Select(0, s);
            }
            mlp[l] = value.Unsqueeze(0);
        }
        var pass = Lrm.Forward((Lrm.Embedding * mTok.View(T, 1)).Unsqueeze(0), mlp);
        // Check the row of the last feature node of the deepest layer, and of the first logit.
        var nodes = graph.Nodes;
        int featureRow = Enumerable.Range(0, nodes.Count).Where(i => nodes[i].Kind == NodeKind.Feature).MaxBy(i => (nodes[i].Layer, nodes[i].Position));
        int logitRow = Enumerable.Range(0, nodes.Count).First(i => nodes[i].Kind == NodeKind.Logit);
        foreach (int row in new[] { featureRow, logitRow })
        {
            var node = nodes[row];
            Tensor target = node.Kind == NodeKind.Feature
                ? Coder.PreActivations(node.Layer, pass.Inputs[node.Layer].Select(0, 0)).Select(0, node.Position).Select(0, node.Index)
                : (pass.FinalNormalized.Select(0, 0).Select(0, T - 1) * (Model.UnembeddingMatrix.Select(1, node.Index) - Model.UnembeddingMatrix.Mean(1))).Sum();
            var grads = Autograd.Grad([target], [mFeat, mErr, mTok], retainGraph: true, allowUnused: true);
            var expected = Tensor.Cat([grads[0]!, grads[1]!.Flatten(), grads[2]!], 0).ToArray<float>();   // columns of every active latent
            var actual = graph.Adjacency.Select(0, row).ToArray<float>();
            // The graph's columns are every active latent (all visited), then errors and tokens.
            Assert.That(graph.Count(NodeKind.Feature), Is.EqualTo(nF));
            double scale = expected.Max(v => Math.Abs(v)) + 1e-6;
            for (int c = 0; c < expected.Length; c++)
                Assert.That(actual[c], Is.EqualTo(expected[c]).Within(2e-4 * scale), $"row {node.Id}, column {nodes[c].Id}");
            Assert.That(expected.Count(v => v != 0), Is.GreaterThan(3), "the row has edges");
        }
    }

    [Test]
    public void BatchSizeDoesNotChangeTheRows()
    {
        using var a = Graph(new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 1));
        using var b = Graph(new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 64));
        Assert.That((a.Adjacency - b.Adjacency).Abs().Max().ToDouble(), Is.LessThan(1e-5));
        Attribution.Run(Lrm, new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 1), "p", Text, out var s1);
        Attribution.Run(Lrm, new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, BatchSize: 7), "p", Text, out var s7);
        Assert.That(s1.BackwardPasses, Is.EqualTo(s1.ActiveFeatures + a.Count(NodeKind.Logit)));
        Assert.That(s7.BackwardPasses, Is.EqualTo((s7.ActiveFeatures + 6) / 7 + 1));
    }

    [Test]
    public void LogitNodesFollowLogitProbAndMaxLogits()
    {
        var last = Lrm.Logits.Select(0, Prompt.Length - 1);
        var probs = last.Softmax(-1).ToArray<float>().OrderByDescending(p => p).ToArray();
        var (tokens, p) = Attribution.SalientLogits(last, 10, 0.5);
        int expected = 1;
        double cum = probs[0];
        while (cum < 0.5 && expected < 10) cum += probs[expected++];
        Assert.That(tokens.Length, Is.EqualTo(expected));
        Assert.That(p, Is.EqualTo(probs[..expected]).Within(1e-6));
        Assert.That(Attribution.SalientLogits(last, 2, 1.0).Tokens.Length, Is.EqualTo(2));
        Assert.That(Attribution.SalientLogits(last, 10, 1e-9).Tokens.Length, Is.EqualTo(1));
    }

    [Test]
    public void MaxFeatureNodesKeepsTheMostInfluentialRowsOnly()
    {
        using var full = Graph();
        int nF = full.Count(NodeKind.Feature);
        using var partial = Graph(new AttributionOptions(MaxLogits: 3, LogitProb: 0.99, MaxFeatureNodes: nF / 4, BatchSize: 3, UpdateInterval: 1));
        Assert.That(partial.Count(NodeKind.Feature), Is.EqualTo(nF / 4));
        // Kept rows are the full graph's rows restricted to the kept columns.
        var ids = full.Nodes.Select((node, i) => (node.Id + node.Kind, i)).ToDictionary(x => x.Item1, x => x.i);
        var keep = partial.Nodes.Select(node => (long)ids[node.Id + node.Kind]).ToArray();
        var index = Tensor.From(keep, keep.Length);
        var restricted = full.Adjacency.IndexSelect(0, index).IndexSelect(1, index);
        var rowIds = Enumerable.Range(0, partial.Nodes.Count).Where(i => partial.Nodes[i].Kind is NodeKind.Feature or NodeKind.Logit).Select(i => (long)i).ToArray();
        var featureRows = Tensor.From(rowIds, rowIds.Length);
        Assert.That((restricted.IndexSelect(0, featureRows) - partial.Adjacency.IndexSelect(0, featureRows)).Abs().Max().ToDouble(), Is.LessThan(1e-5));
        // The first latent visited is the one with the largest direct effect (|A| row-normalised) on the logits.
        var logitRows = Enumerable.Range(0, full.Nodes.Count).Where(i => full.Nodes[i].Kind == NodeKind.Logit).ToArray();
        var abs = full.Adjacency.Abs();
        var norm = abs / abs.Sum(1, keepDim: true).Clamp(min: 1e-8);
        var direct = new double[nF];
        foreach (int r in logitRows)
            for (int c = 0; c < nF; c++) direct[c] += full.Nodes[r].LogitProb * norm.Select(0, r).Select(0, c).ToDouble();
        int best = Enumerable.Range(0, nF).MaxBy(c => direct[c]);
        Assert.That(partial.Nodes.Any(node => node.Kind == NodeKind.Feature && node.Id == full.Nodes[best].Id), $"{full.Nodes[best].Id} kept");
    }
}
