// CircuitTrace — one prompt traced end to end: the local replacement model, the attribution graph, the graph pruned as
// circuit-tracer prunes it, and the graph scores before and after pruning, with the graph JSON's metadata filled in.
// What the attribute command, the attribution suite and the benchmark share; it prints and writes nothing.
using System.Text.Json.Nodes;
using InterpEval.Interp.Models;

namespace InterpEval.Interp.Circuits;

/// <param name="Attribution">Logit nodes, feature budget and batch size.</param>
/// <param name="NodeThreshold">Cumulative influence share of the nodes kept.</param>
/// <param name="EdgeThreshold">Cumulative score share of the edges kept.</param>
public sealed record TraceSettings(AttributionOptions Attribution, double NodeThreshold = 0.8, double EdgeThreshold = 0.98);

public sealed class CircuitTrace : IDisposable
{
    private CircuitTrace(AttributionGraph full, AttributionGraph pruned, GraphScores before, GraphScores after, AttributionStats stats, TimeSpan elapsed)
    {
        Full = full;
        Pruned = pruned;
        Before = before;
        After = after;
        Stats = stats;
        Elapsed = elapsed;
    }

    /// <summary>The unpruned graph, every node carrying its cumulative influence score.</summary>
    public AttributionGraph Full { get; }

    /// <summary>The pruned graph as circuit-tracer writes it.</summary>
    public AttributionGraph Pruned { get; }

    public GraphScores Before { get; }
    public GraphScores After { get; }
    public AttributionStats Stats { get; }

    /// <summary>Wall time of the replacement model, the attribution and the pruning.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Traces a prompt. ids are its token ids (with any separator); prompt is its text.</summary>
    public static CircuitTrace Run(TransformerModel model, ReplacementCoder coder, IReadOnlyList<long> ids, string prompt, Func<long, string> tokenText,
        TraceSettings settings, string slug = "graph", string scan = "", string generatorVersion = "")
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var lrm = LocalReplacementModel.Build(model, coder, ids);
        using var raw = Attribution.Run(lrm, settings.Attribution, prompt, tokenText, out var stats);
        var metadata = Metadata(raw, settings, stats, slug, scan, generatorVersion);
        using var graph = new AttributionGraph(raw.Prompt, raw.PromptTokens, raw.NLayers, raw.Nodes, raw.Adjacency.Clone(), metadata);
        var result = GraphPruning.Prune(graph, settings.NodeThreshold, settings.EdgeThreshold);
        var full = GraphPruning.WithInfluence(graph, result);
        var pruned = GraphPruning.Subgraph(graph, result);
        result.EdgeMask.Dispose();
        var before = GraphPruning.Scores(full);
        var after = GraphPruning.Scores(pruned);
        return new CircuitTrace(full, pruned, before, after, stats, clock.Elapsed);
    }

    private static JsonObject Metadata(AttributionGraph g, TraceSettings s, AttributionStats stats, string slug, string scan, string version) => new()
    {
        ["slug"] = slug,
        ["scan"] = scan,
        ["transcoder_list"] = new JsonArray(),
        ["prompt_tokens"] = new JsonArray(g.PromptTokens.Select(t => (JsonNode)t).ToArray()),
        ["prompt"] = g.Prompt,
        ["node_threshold"] = s.NodeThreshold,
        ["schema_version"] = 1,
        ["info"] = new JsonObject
        {
            ["creator_name"] = "interp-eval",
            ["creator_url"] = "",
            ["source_urls"] = new JsonArray(),
            ["generator"] = new JsonObject { ["name"] = "interp-eval", ["version"] = version, ["url"] = "" },
            ["create_time_ms"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        },
        ["generation_settings"] = new JsonObject
        {
            ["max_n_logits"] = s.Attribution.MaxLogits,
            ["desired_logit_prob"] = s.Attribution.LogitProb,
            ["batch_size"] = s.Attribution.BatchSize,
            ["max_feature_nodes"] = s.Attribution.MaxFeatureNodes ?? stats.ActiveFeatures,
        },
        ["pruning_settings"] = new JsonObject { ["node_threshold"] = s.NodeThreshold, ["edge_threshold"] = s.EdgeThreshold },
    };

    public void Dispose()
    {
        Full.Dispose();
        Pruned.Dispose();
    }
}
