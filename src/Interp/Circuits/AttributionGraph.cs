// AttributionGraph — an attribution graph in memory: its nodes in circuit-tracer's order (features, errors, tokens,
// logits), the adjacency matrix A[target, source] (direct effects through the frozen linear model), the logit
// probabilities that weight influence, and the prompt. Graphs come from Attribution or from a graph JSON file
// (GraphJson); pruning and scoring (GraphPruning) read nothing else. It computes nothing.
//
// Shapes: n nodes; Adjacency [n, n] float32, rows = targets, columns = sources.
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Circuits;

public enum NodeKind
{
    /// <summary>An active dictionary latent at a position (circuit-tracer: "cross layer transcoder").</summary>
    Feature,

    /// <summary>The MLP reconstruction error of a (layer, position): an input-only node.</summary>
    Error,

    /// <summary>A token embedding at a position: an input-only node.</summary>
    Token,

    /// <summary>A top output token's de-meaned logit at the last position.</summary>
    Logit,
}

/// <param name="Kind">What the node is.</param>
/// <param name="Layer">The layer (features, errors), -1 for tokens, n_layers + 1 for logits.</param>
/// <param name="Position">ctx_idx, the token position.</param>
/// <param name="Index">The latent index (features), the token id (tokens, logits), -1 (errors).</param>
/// <param name="Activation">The latent's activation (features), null otherwise.</param>
/// <param name="LogitProb">The output token's probability (logits), 0 otherwise.</param>
/// <param name="Text">The token's text (tokens, logits), "" otherwise.</param>
/// <param name="Source">The node object as read from a graph file (kept, with its extra fields, when the graph is rewritten).</param>
/// <param name="Influence">The node's cumulative influence score from pruning (the graph JSON's "influence"), when known.</param>
public sealed record GraphNode(NodeKind Kind, int Layer, int Position, long Index, double? Activation = null, double LogitProb = 0,
    string Text = "", JsonObject? Source = null, double? Influence = null)
{
    /// <summary>The node_id in the graph JSON (GraphJson.Id): {layer}_{latent}_{pos}, {layer}_-1_{pos} (errors), E_{token}_{pos}, {L+1}_{token}_{pos}.</summary>
    public string Id => GraphJson.Id(this, Kind == NodeKind.Logit ? Layer - 1 : 0);
}

public sealed class AttributionGraph : IDisposable
{
    /// <param name="nodes">Features, then errors, then tokens, then logits.</param>
    /// <param name="adjacency">A[target, source], [n, n] float32 (the graph takes ownership).</param>
    public AttributionGraph(string prompt, IReadOnlyList<string> promptTokens, int nLayers, IReadOnlyList<GraphNode> nodes, Tensor adjacency,
        JsonObject? metadata = null)
    {
        int n = nodes.Count;
        if (adjacency.Dim != 2 || adjacency.Size(0) != n || adjacency.Size(1) != n)
            throw new ArgumentException($"adjacency must be [{n}, {n}], got {adjacency.ShapeString}");
        for (int i = 1; i < n; i++)
            if (nodes[i].Kind < nodes[i - 1].Kind) throw new ArgumentException("nodes must come in the order features, errors, tokens, logits");
        Prompt = prompt;
        PromptTokens = promptTokens;
        NLayers = nLayers;
        Nodes = nodes;
        Adjacency = adjacency.To(ScalarType.Float32).Contiguous().DetachFromScopes();
        Metadata = metadata ?? new JsonObject();
    }

    public string Prompt { get; }
    public IReadOnlyList<string> PromptTokens { get; }
    public int NLayers { get; }
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>A[target, source] [n, n] float32.</summary>
    public Tensor Adjacency { get; }

    /// <summary>The metadata a graph file carried (or the generator's settings): kept when rewritten.</summary>
    public JsonObject Metadata { get; }

    public int Count(NodeKind kind) => Nodes.Count(n => n.Kind == kind);

    /// <summary>Logit probabilities on the logit nodes, 0 elsewhere: [n] float32.</summary>
    public Tensor LogitWeights()
    {
        var w = Nodes.Select(n => n.Kind == NodeKind.Logit ? (float)n.LogitProb : 0f).ToArray();
        return Tensor.From(w, w.Length);
    }

    /// <summary>Number of non-zero entries of the adjacency (edges).</summary>
    public long EdgeCount()
    {
        using var scope = DisposeScope.Enter();
        return Adjacency.Ne(0).Sum().ToInt64();
    }

    public void Dispose() => Adjacency.Dispose();
}
