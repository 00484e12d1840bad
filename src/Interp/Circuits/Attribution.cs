// Attribution — builds the attribution graph of a prompt on its local replacement model (Ameisen et al. 2025, §3;
// circuit-tracer's attribute): nodes are the token embeddings, every active latent at every position, an error per
// (layer, position) and the top output tokens' logits; A[target, source] is the source's direct contribution to the
// target's pre-activation (or de-meaned logit) through the frozen linear model. Rows come from batched backward passes
// that inject the target's encoder row (or the de-meaned unembedding column) at the target's input; a batch of B rows
// is one backward through a forward on B copies of the prompt. With MaxFeatureNodes, latents are visited in order of
// estimated influence on the logits (re-ranked as rows arrive) and only the visited rows are ever held: memory is
// rows × sources, never active × active. Pruning and scoring are GraphPruning's.
//
// Shapes: B batch, T tokens, D d_model, L layers, nF active latents, C = nF + L·T + T source columns.
namespace InterpEval.Interp.Circuits;

/// <param name="MaxLogits">At most this many logit nodes (circuit-tracer's max_n_logits).</param>
/// <param name="LogitProb">Logit nodes until their cumulative probability reaches this (desired_logit_prob).</param>
/// <param name="MaxFeatureNodes">Feature rows to compute, most influential first; null = every active latent.</param>
/// <param name="BatchSize">Rows per backward pass.</param>
/// <param name="UpdateInterval">Batches between re-rankings of the visiting order (circuit-tracer's update_interval).</param>
public sealed record AttributionOptions(int MaxLogits = 10, double LogitProb = 0.95, int? MaxFeatureNodes = null, int BatchSize = 32,
    int UpdateInterval = 4)
{
    public AttributionOptions Validate()
    {
        if (MaxLogits < 1) throw new ArgumentException($"max logits must be at least 1 (got {MaxLogits})");
        if (!(LogitProb > 0 && LogitProb <= 1)) throw new ArgumentException($"logit probability must be in (0, 1] (got {LogitProb})");
        if (MaxFeatureNodes is < 0) throw new ArgumentException($"max feature nodes must be at least 0 (got {MaxFeatureNodes})");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1 (got {BatchSize})");
        if (UpdateInterval < 1) throw new ArgumentException($"update interval must be at least 1 (got {UpdateInterval})");
        return this;
    }
}

/// <summary>What an attribution run measured besides the graph.</summary>
/// <param name="ActiveFeatures">Active latents over all layers and positions.</param>
/// <param name="VisitedFeatures">Feature rows computed.</param>
/// <param name="BackwardPasses">Backward passes run (one per batch of rows).</param>
public sealed record AttributionStats(int ActiveFeatures, int VisitedFeatures, int BackwardPasses);

public static class Attribution
{
    /// <summary>The active latents in (layer, position, latent) order.</summary>
    public sealed record ActiveSet(int[] Layer, int[] Position, long[] Latent, float[] Activation)
    {
        public int Count => Layer.Length;
    }

    /// <summary>The logit nodes: the top tokens at the last position until LogitProb is reached, at most MaxLogits.</summary>
    public static (long[] Tokens, float[] Probs) SalientLogits(Tensor lastLogits, int maxLogits, double logitProb)
    {
        using var scope = DisposeScope.Enter();
        var probs = lastLogits.To(ScalarType.Float32).Softmax(-1);                                   // [V]
        var top = probs.TopK(Math.Min(maxLogits, (int)probs.Size(0)), dim: 0);
        var p = top.Values.ToArray<float>();
        var idx = top.Indices.ToArray<long>();
        double cum = 0;
        int cutoff = p.Length;
        for (int i = 0; i < p.Length; i++)
        {
            cum += p[i];
            if (cum >= logitProb) { cutoff = i + 1; break; }
        }
        return (idx[..cutoff], p[..cutoff]);
    }

    /// <summary>Every non-zero latent of the local replacement model.</summary>
    public static ActiveSet Active(LocalReplacementModel lrm)
    {
        var layer = new List<int>();
        var pos = new List<int>();
        var latent = new List<long>();
        var act = new List<float>();
        using var scope = DisposeScope.Enter();
        for (int l = 0; l < lrm.NLayers; l++)
        {
            var f = lrm.Latents[l].To(ScalarType.Float32).Contiguous();                             // [T, F]
            var nz = f.Nonzero();                                                                    // [n, 2] (pos, latent), row-major
            if (nz.Size(0) == 0) continue;
            var coords = nz.ToArray<long>();
            var values = f.Flatten().IndexSelect(0, nz.Select(1, 0) * f.Size(1) + nz.Select(1, 1)).ToArray<float>();
            for (int i = 0; i < values.Length; i++)
            {
                layer.Add(l);
                pos.Add((int)coords[2 * i]);
                latent.Add(coords[2 * i + 1]);
                act.Add(values[i]);
            }
        }
        return new ActiveSet(layer.ToArray(), pos.ToArray(), latent.ToArray(), act.ToArray());
    }

    /// <summary>Builds the graph of the prompt (its text, for the graph's metadata); tokenText names a token id.</summary>
    public static AttributionGraph Run(LocalReplacementModel lrm, AttributionOptions options, string prompt, Func<long, string> tokenText,
        out AttributionStats stats, IProgress<(int Done, int Total)>? progress = null)
    {
        options.Validate();
        using var scope = DisposeScope.Enter();
        var engine = new RowEngine(lrm, options.BatchSize);
        var active = engine.ActiveSet;
        int nF = active.Count, L = lrm.NLayers, T = lrm.NTokens, nCols = nF + L * T + T;
        var (logitTokens, logitProbs) = SalientLogits(lrm.Logits.Select(0, T - 1), options.MaxLogits, options.LogitProb);
        int nLogits = logitTokens.Length;
        int budget = Math.Min(options.MaxFeatureNodes ?? nF, nF);

        var rows = Tensor.Zeros([nLogits + budget, nCols]);                                          // [R, C]
        var rowNode = new int[nLogits + budget];                                                     // node index of each row (logits: nCols + j)
        int filled = 0;
        for (int start = 0; start < nLogits; start += options.BatchSize)
        {
            int count = Math.Min(options.BatchSize, nLogits - start);
            var targets = Enumerable.Range(start, count).Select(j => RowTarget.Logit(logitTokens[j])).ToArray();
            rows.Narrow(0, filled, count).Copy_(engine.Rows(targets));
            for (int j = 0; j < count; j++) rowNode[filled + j] = nCols + start + j;
            filled += count;
        }
        var visited = new bool[nF];
        int nVisited = 0;
        progress?.Report((0, budget));
        while (nVisited < budget)
        {
            int[] pending;
            if (budget == nF) pending = Enumerable.Range(0, nF).Where(i => !visited[i]).ToArray();
            else
            {
                var influence = PartialInfluence(rows.Narrow(0, 0, filled), rowNode[..filled], logitProbs, nCols);
                int queue = Math.Min(options.UpdateInterval * options.BatchSize, budget - nVisited);
                pending = Enumerable.Range(0, nF).Where(i => !visited[i]).OrderByDescending(i => influence[i]).ThenBy(i => i).Take(queue).ToArray();
            }
            for (int start = 0; start < pending.Length; start += options.BatchSize)
            {
                var batch = pending.Skip(start).Take(options.BatchSize).ToArray();
                rows.Narrow(0, filled, batch.Length).Copy_(engine.Rows(batch.Select(RowTarget.Feature).ToArray()));
                foreach (int f in batch)
                {
                    rowNode[filled++] = f;
                    visited[f] = true;
                }
                nVisited += batch.Length;
                progress?.Report((nVisited, budget));
            }
        }
        stats = new AttributionStats(nF, nVisited, engine.BackwardPasses);
        var graph = Assemble(lrm, prompt, active, visited, rows, rowNode, logitTokens, logitProbs, tokenText);
        return graph;
    }

    // The final graph: nodes [visited features, errors, tokens, logits]; feature rows and logit rows from the buffer,
    // columns of unvisited features dropped (as circuit-tracer does); error and token rows are zero (they have no inputs).
    private static AttributionGraph Assemble(LocalReplacementModel lrm, string prompt, ActiveSet active, bool[] visited, Tensor rows, int[] rowNode,
        long[] logitTokens, float[] logitProbs, Func<long, string> tokenText)
    {
        int nF = active.Count, L = lrm.NLayers, T = lrm.NTokens, nCols = nF + L * T + T;
        var selected = Enumerable.Range(0, nF).Where(i => visited[i]).ToArray();
        var nodes = new List<GraphNode>();
        foreach (int i in selected)
            nodes.Add(new GraphNode(NodeKind.Feature, active.Layer[i], active.Position[i], active.Latent[i], active.Activation[i]));
        for (int l = 0; l < L; l++)
            for (int p = 0; p < T; p++) nodes.Add(new GraphNode(NodeKind.Error, l, p, -1));
        for (int p = 0; p < T; p++) nodes.Add(new GraphNode(NodeKind.Token, -1, p, lrm.Tokens[p], Text: tokenText(lrm.Tokens[p])));
        for (int j = 0; j < logitTokens.Length; j++)
            nodes.Add(new GraphNode(NodeKind.Logit, L + 1, T - 1, logitTokens[j], LogitProb: logitProbs[j], Text: tokenText(logitTokens[j])));
        int n = nodes.Count, nSel = selected.Length;
        var columns = Tensor.From(selected.Select(i => (long)i).Concat(Enumerable.Range(nF, L * T + T).Select(i => (long)i)).ToArray(), nSel + L * T + T);
        var adjacency = Tensor.Zeros([n, n]);
        var nodeOfFeature = new int[nF];
        for (int k = 0; k < nSel; k++) nodeOfFeature[selected[k]] = k;
        var targetIndex = rowNode.Select(node => (long)(node < nF ? nodeOfFeature[node] : nSel + L * T + T + (node - nCols))).ToArray();
        var kept = rows.IndexSelect(1, columns);                                                    // [R, n − nLogits]
        var placed = Tensor.Zeros([n, nSel + L * T + T]).IndexAdd_(0, Tensor.From(targetIndex, targetIndex.Length), kept);
        adjacency.Narrow(1, 0, nSel + L * T + T).Copy_(placed);
        return new AttributionGraph(prompt, lrm.Tokens.Select(t => tokenText(t)).ToArray(), L, nodes, adjacency);
    }

    /// <summary>Estimated influence of every source column on the logits from the rows computed so far (circuit-tracer's
    /// compute_partial_influences): |rows| row-normalised, then logit weights pushed back through them until nothing moves.</summary>
    internal static float[] PartialInfluence(Tensor rows, int[] rowNode, float[] logitProbs, int nCols)
    {
        using var scope = DisposeScope.Enter();
        var normalized = rows.Abs();
        normalized = normalized / normalized.Sum(1, keepDim: true).Clamp(min: 1e-8);                // [R, C]
        int total = nCols + logitProbs.Length;
        var prod = new float[total];
        for (int j = 0; j < logitProbs.Length; j++) prod[nCols + j] = logitProbs[j];
        var influence = new float[nCols];
        var rowIndex = Tensor.From(rowNode.Select(r => (long)r).ToArray(), rowNode.Length);
        for (int iter = 0; iter < 1024; iter++)
        {
            var weights = Tensor.From(prod, total).IndexSelect(0, rowIndex);                          // [R]
            var next = weights.Unsqueeze(0).Mm(normalized).Squeeze(0).ToArray<float>();              // [C]
            if (next.All(v => v == 0)) return influence;
            Array.Clear(prod);
            for (int c = 0; c < nCols; c++)
            {
                influence[c] += next[c];
                prod[c] = next[c];
            }
        }
        throw new InvalidOperationException("influence did not converge in 1024 iterations: the graph has a cycle");
    }
}
