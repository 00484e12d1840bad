// Pruning and scores against a graph computed by hand: influence, circuit-tracer's thresholds (node 0.8, edge 0.98 and
// tighter), the iterative clean-up, cumulative influence scores, replacement and completeness before and after.
//
// Nodes: f0, f1 (features), e0 (error), t0, t1 (tokens), L0 (p 0.75), L1 (p 0.25). Edges A[target, source]:
// f0 ← t0 2, t1 −2; f1 ← t0 1; L0 ← f0 3, e0 1; L1 ← f1 1, f0 −1.
// Â rows: f0 (½, ½); f1 (1); L0 (¾ f0, ¼ e0); L1 (½, ½). w·Â: f0 ¾·¾ + ¼·½ = 0.6875, f1 0.125, e0 0.1875;
// then t0 0.6875/2 + 0.125 = 0.46875, t1 0.34375. Replacement = 0.8125 / (0.8125 + 0.1875) = 0.8125;
// completeness = (Σ(infl + w) − ¼·0.75) / Σ(infl + w) = (2.8125 − 0.1875) / 2.8125.
using InterpEval.Interp.Circuits;

namespace InterpEval.Interp.Tests.Circuits;

public class GraphPruningTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    internal static AttributionGraph Hand()
    {
        var nodes = new GraphNode[]
        {
            new(NodeKind.Feature, 0, 0, 7, Activation: 1.5), new(NodeKind.Feature, 1, 1, 3, Activation: 0.5), new(NodeKind.Error, 0, 1, -1),
            new(NodeKind.Token, -1, 0, 11, Text: "a"), new(NodeKind.Token, -1, 1, 12, Text: "b"),
            new(NodeKind.Logit, 3, 1, 20, LogitProb: 0.75, Text: "x"), new(NodeKind.Logit, 3, 1, 21, LogitProb: 0.25, Text: "y"),
        };
        var a = new float[49];
        void Edge(int target, int source, float w) => a[target * 7 + source] = w;
        Edge(0, 3, 2); Edge(0, 4, -2); Edge(1, 3, 1); Edge(5, 0, 3); Edge(5, 2, 1); Edge(6, 1, 1); Edge(6, 0, -1);
        return new AttributionGraph("ab", ["a", "b"], 2, nodes, Tensor.From(a, 7, 7));
    }

    [Test]
    public void InfluenceMatchesTheHandComputation()
    {
        using var g = Hand();
        var influence = GraphPruning.Influence(GraphPruning.NormalizeMatrix(g.Adjacency), g.LogitWeights()).ToArray<float>();
        Assert.That(influence, Is.EqualTo(new[] { 0.6875f, 0.125f, 0.1875f, 0.46875f, 0.34375f, 0, 0 }).Within(1e-6));
    }

    [Test]
    public void ScoresMatchTheHandComputation()
    {
        using var g = Hand();
        var s = GraphPruning.Scores(g);
        Assert.That(s.ReplacementScore, Is.EqualTo(0.8125).Within(1e-6));
        Assert.That(s.CompletenessScore, Is.EqualTo(2.625 / 2.8125).Within(1e-6));
        Assert.That((s.Nodes, s.Edges), Is.EqualTo((7, 7L)));
    }

    [Test]
    public void DefaultThresholdsDropTheLowInfluenceNodesAndKeepTheirEdgesOut()
    {
        using var g = Hand();
        // Sorted influence 0.6875 (f0), 0.46875, 0.34375, 0.1875 (e0), 0.125 (f1): cumulative 0.38, 0.64, 0.83 ≥ 0.8 → cut at t1.
        var r = GraphPruning.Prune(g, 0.8, 0.98);
        Assert.That(r.NodeMask, Is.EqualTo(new[] { true, false, false, true, true, true, true }));
        // Edge scores in the pruned graph: f0←t0 ½, f0←t1 ½, L0←f0 ¾, L1←f0 ¼ (sum 2): 0.98 keeps all four.
        Assert.That(r.EdgeMask.Sum().ToInt64(), Is.EqualTo(4));
        Assert.That(r.CumulativeScores, Is.EqualTo(new[] { 0.6875f / 1.8125f, 1f, (0.6875f + 0.46875f + 0.34375f + 0.1875f) / 1.8125f,
            (0.6875f + 0.46875f) / 1.8125f, (0.6875f + 0.46875f + 0.34375f) / 1.8125f, 1f, 1f }).Within(1e-6));
        using var pruned = GraphPruning.Subgraph(g, r);
        Assert.That(pruned.Nodes.Select(n => n.Id), Is.EqualTo(new[] { "0_7_0", "E_11_0", "E_12_1", "3_20_1", "3_21_1" }));
        Assert.That(pruned.Adjacency.ToArray<float>().Where(w => w != 0), Is.EqualTo(new[] { 2f, -2f, 3f, -1f }));
        var after = GraphPruning.Scores(pruned);
        Assert.That((after.ReplacementScore, after.CompletenessScore, after.Nodes, after.Edges), Is.EqualTo((1.0, 1.0, 5, 4L)));
    }

    [Test]
    public void TighterEdgeThresholdDropsEdgesAndTheCleanUpDropsNodesLeftWithoutInputs()
    {
        using var g = Hand();
        // 0.8: cumulative 0.375, 0.625, 0.875 → cut ½: L1 ← f0 (¼) goes, f0 keeps inputs and an output.
        var r = GraphPruning.Prune(g, 0.8, 0.8);
        Assert.That(r.EdgeMask.Sum().ToInt64(), Is.EqualTo(3));
        Assert.That(r.NodeMask[0], Is.True);
        // 0.3: only L0 ← f0 (¾) survives; f0 then has no incoming edge, is dropped, and takes its edge with it.
        var tight = GraphPruning.Prune(g, 0.8, 0.3);
        Assert.That(tight.NodeMask, Is.EqualTo(new[] { false, false, false, true, true, true, true }));
        Assert.That(tight.EdgeMask.Sum().ToInt64(), Is.EqualTo(0));
    }

    [Test]
    public void NodeThresholdIsNotInert()
    {
        using var g = Hand();
        Assert.That(GraphPruning.Prune(g, 1.0, 0.98).NodeMask.Count(b => b), Is.GreaterThan(GraphPruning.Prune(g, 0.3, 0.98).NodeMask.Count(b => b)));
        Assert.Throws<ArgumentException>(() => GraphPruning.Prune(g, 1.5, 0.98));
    }

    [Test]
    public void FindThresholdIsTheFirstSortedScoreWhoseCumulativeShareReachesTheThreshold()
    {
        float[] s = [1, 4, 3, 2];
        Assert.That(GraphPruning.FindThreshold(s, 0.4), Is.EqualTo(4));
        Assert.That(GraphPruning.FindThreshold(s, 0.41), Is.EqualTo(3));
        Assert.That(GraphPruning.FindThreshold(s, 1.0), Is.EqualTo(1));
    }
}
