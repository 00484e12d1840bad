// GraphPruning — circuit-tracer's graph arithmetic (graph.py: normalize_matrix, compute_influence, find_threshold,
// prune_graph, compute_graph_scores), on any AttributionGraph: Â = |A| row-normalised; influence = w·(Â + Â² + …) with
// w the logit probabilities; nodes kept up to a fraction of cumulative influence (tokens and logits always), edges
// scored by Â(pruned) ⊙ (influence + w) per row and kept up to a fraction of cumulative score, then features and errors
// without outgoing edges and features without incoming edges dropped until nothing changes. Scores: replacement =
// token influence / (token + error influence); completeness = Σ_i (1 − error share of Â_i)(influence_i + w_i) /
// Σ_i (influence_i + w_i). It writes no file (GraphJson does).
//
// Shapes: n nodes; matrices [n, n] float32 (rows = targets); vectors [n].
namespace InterpEval.Interp.Circuits;

/// <param name="NodeMask">Nodes kept.</param>
/// <param name="EdgeMask">Edges kept [n, n] bool (rows = targets).</param>
/// <param name="CumulativeScores">Each node's cumulative share of influence in descending order (the JSON's "influence").</param>
public sealed record PruneResult(bool[] NodeMask, Tensor EdgeMask, float[] CumulativeScores);

/// <param name="ReplacementScore">Σ influence(tokens) / Σ influence(tokens + errors).</param>
/// <param name="CompletenessScore">Σ_i (1 − Σ_{j∈errors} Â_ij)(influence_i + w_i) / Σ_i (influence_i + w_i).</param>
public sealed record GraphScores(double ReplacementScore, double CompletenessScore, int Nodes, long Edges);

public static class GraphPruning
{
    /// <summary>|A| divided by its row sums (rows of zeros stay zero): [n, n].</summary>
    public static Tensor NormalizeMatrix(Tensor a)
    {
        var abs = a.Abs();
        return abs / abs.Sum(1, keepDim: true).Clamp(min: 1e-10);
    }

    /// <summary>w·(Â + Â² + …), summed until the product vanishes (a DAG's Â is nilpotent): [n].</summary>
    public static Tensor Influence(Tensor normalized, Tensor logitWeights, int maxIter = 1000)
    {
        var current = logitWeights.Unsqueeze(0).Mm(normalized);                                        // [1, n]
        var influence = current;
        for (int i = 0; current.Ne(0).Any().ToInt64() == 1; i++)
        {
            if (i >= maxIter) throw new InvalidDataException($"influence did not converge after {maxIter} iterations: the graph has a cycle");
            current = current.Mm(normalized);
            influence = influence + current;
        }
        return influence.Squeeze(0);
    }

    /// <summary>The score at which the sorted cumulative share first reaches threshold (circuit-tracer's find_threshold).
    /// Zeros add nothing to the cumulative share, so only the positive scores are sorted; when the share is not reached
    /// among them (float rounding at a threshold of 1) the answer is the smallest score, as a full sort gives.</summary>
    public static float FindThreshold(float[] scores, double threshold) => FindThreshold(scores, threshold, scores.Length);

    private static float FindThreshold(float[] positive, double threshold, long totalCount)
    {
        var sorted = positive.Where(s => s > 0).ToArray();
        Array.Sort(sorted);                                                                              // ascending; read from the end
        double total = 0;
        foreach (float s in sorted) total += s;
        double cumulative = 0;
        for (int i = sorted.Length - 1; i >= 0; i--)
        {
            cumulative += sorted[i];
            if ((float)(cumulative / total) >= threshold) return sorted[i];
        }
        return totalCount > sorted.Length ? 0f : sorted.Length > 0 ? sorted[0] : 0f;
    }

    /// <summary>Prunes as circuit-tracer's prune_graph does.</summary>
    public static PruneResult Prune(AttributionGraph graph, double nodeThreshold = 0.8, double edgeThreshold = 0.98)
    {
        if (nodeThreshold is < 0 or > 1) throw new ArgumentException($"node threshold must be between 0 and 1 (got {nodeThreshold})");
        if (edgeThreshold is < 0 or > 1) throw new ArgumentException($"edge threshold must be between 0 and 1 (got {edgeThreshold})");
        var nodes = graph.Nodes;
        int n = nodes.Count;
        using var scope = DisposeScope.Enter();
        var w = graph.LogitWeights();
        var nodeInfluence = Influence(NormalizeMatrix(graph.Adjacency), w).ToArray<float>();
        float nodeCut = FindThreshold(nodeInfluence, nodeThreshold);
        var nodeMask = new bool[n];
        for (int i = 0; i < n; i++) nodeMask[i] = nodeInfluence[i] >= nodeCut || nodes[i].Kind is NodeKind.Token or NodeKind.Logit;

        var keep = Tensor.From(nodeMask.Select(b => b ? 1f : 0f).ToArray(), n);
        var pruned = graph.Adjacency * keep.Unsqueeze(1) * keep.Unsqueeze(0);                          // [n, n]
        var normalizedPruned = NormalizeMatrix(pruned);
        var edgeWeight = Influence(normalizedPruned, w) + w;                                             // [n]
        var edgeScores = normalizedPruned * edgeWeight.Unsqueeze(1);                                     // [n, n]
        float edgeCut = FindThreshold(edgeScores.MaskedSelect(edgeScores.Gt(0)).ToArray<float>(), edgeThreshold, edgeScores.NumEl);
        var edgeMask = edgeScores.Ge(edgeCut);                                                           // [n, n] bool

        var prunable = nodes.Select(x => x.Kind is NodeKind.Feature or NodeKind.Error).ToArray();
        var feature = nodes.Select(x => x.Kind == NodeKind.Feature).ToArray();
        while (true)
        {
            var hasOut = edgeMask.Sum(0).Gt(0).ToArray<bool>();                                           // some target uses it
            var hasIn = edgeMask.Sum(1).Gt(0).ToArray<bool>();
            bool changed = false;
            for (int i = 0; i < n; i++)
            {
                bool keepNode = nodeMask[i] && (!prunable[i] || hasOut[i]) && (!feature[i] || hasIn[i]);
                if (keepNode != nodeMask[i]) { nodeMask[i] = keepNode; changed = true; }
            }
            if (!changed) break;
            var alive = Tensor.From(nodeMask, n);
            edgeMask = edgeMask.LogicalAnd(alive.Unsqueeze(1)).LogicalAnd(alive.Unsqueeze(0));
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => nodeInfluence[i]).ToArray();
        double sum = nodeInfluence.Sum(v => (double)v), running = 0;
        var cumulativeScores = new float[n];
        foreach (int i in order)
        {
            running += nodeInfluence[i];
            cumulativeScores[i] = (float)(running / sum);
        }
        return new PruneResult(nodeMask, scope.MoveOut(edgeMask).DetachFromScopes(), cumulativeScores);
    }

    /// <summary>The pruned graph as circuit-tracer writes it: kept nodes that have a kept edge (tokens and logits always),
    /// kept edges between them; every node carries its cumulative influence score from the full graph.</summary>
    public static AttributionGraph Subgraph(AttributionGraph graph, PruneResult result)
    {
        using var scope = DisposeScope.Enter();
        int n = graph.Nodes.Count;
        var alive = Tensor.From(result.NodeMask, n);
        var edges = result.EdgeMask.LogicalAnd(alive.Unsqueeze(1)).LogicalAnd(alive.Unsqueeze(0)).LogicalAnd(graph.Adjacency.Ne(0));
        var used = edges.Sum(0).Gt(0).LogicalOr(edges.Sum(1).Gt(0)).ToArray<bool>();
        var kept = Enumerable.Range(0, n)
            .Where(i => result.NodeMask[i] && (used[i] || graph.Nodes[i].Kind is NodeKind.Token or NodeKind.Logit)).ToArray();
        var index = Tensor.From(kept.Select(i => (long)i).ToArray(), kept.Length);
        var adjacency = Tensor.Where(edges, graph.Adjacency, Tensor.Zeros([n, n])).IndexSelect(0, index).IndexSelect(1, index);
        var nodes = kept.Select(i => graph.Nodes[i] with { Influence = result.CumulativeScores[i] }).ToArray();
        return new AttributionGraph(graph.Prompt, graph.PromptTokens, graph.NLayers, nodes, adjacency, graph.Metadata.DeepClone().AsObject());
    }

    /// <summary>The same graph with every node's cumulative influence score set (for writing the unpruned graph).</summary>
    public static AttributionGraph WithInfluence(AttributionGraph graph, PruneResult result)
    {
        using var scope = DisposeScope.Enter();
        var nodes = graph.Nodes.Select((x, i) => x with { Influence = result.CumulativeScores[i] }).ToArray();
        return new AttributionGraph(graph.Prompt, graph.PromptTokens, graph.NLayers, nodes, graph.Adjacency.Clone(), graph.Metadata.DeepClone().AsObject());
    }

    /// <summary>circuit-tracer's compute_graph_scores on the graph as it stands.</summary>
    public static GraphScores Scores(AttributionGraph graph)
    {
        using var scope = DisposeScope.Enter();
        var nodes = graph.Nodes;
        int n = nodes.Count;
        var w = graph.LogitWeights();
        var normalized = NormalizeMatrix(graph.Adjacency);
        var influence = Influence(normalized, w).ToArray<float>();
        var errorColumns = Tensor.From(nodes.Select(x => x.Kind == NodeKind.Error ? 1f : 0f).ToArray(), n);
        var errorShare = normalized.MatMul(errorColumns).ToArray<float>();                               // [n]
        var weights = w.ToArray<float>();
        double token = 0, error = 0, num = 0, den = 0;
        for (int i = 0; i < n; i++)
        {
            if (nodes[i].Kind == NodeKind.Token) token += influence[i];
            if (nodes[i].Kind == NodeKind.Error) error += influence[i];
            double output = influence[i] + weights[i];
            num += (1 - errorShare[i]) * output;
            den += output;
        }
        return new GraphScores(token / (token + error), num / den, n, graph.EdgeCount());
    }
}
