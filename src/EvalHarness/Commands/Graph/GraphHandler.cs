// GraphHandler — the three `graph` subcommands on a graph file: prune (writes the pruned graph and prints its counts),
// score (prints replacement and completeness scores and counts, as text or JSON) and view (writes the HTML viewer).
// Files not in the layout are exit 2 through GraphJson's InvalidDataException.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Harness.Circuits;
using InterpEval.Harness.Tool;
using InterpEval.Interp.Circuits;
using InterpEval.Torch;

namespace InterpEval.Harness.Commands.Graph;

public sealed record GraphPruneOptions(string In, double NodeThreshold, double EdgeThreshold, string Out);
public sealed record GraphScoreOptions(string In, bool Json);
public sealed record GraphViewOptions(string In, string Out);

public sealed class GraphHandler
{
    public ExitCode Prune(GraphPruneOptions o, TextWriter output)
    {
        using var scope = DisposeScope.Enter();
        using var graph = GraphJson.Load(o.In);
        var result = GraphPruning.Prune(graph, o.NodeThreshold, o.EdgeThreshold);
        using var pruned = GraphPruning.Subgraph(graph, result);
        pruned.Metadata["node_threshold"] = o.NodeThreshold;
        pruned.Metadata["pruning_settings"] = new JsonObject { ["node_threshold"] = o.NodeThreshold, ["edge_threshold"] = o.EdgeThreshold };
        GraphJson.Save(pruned, o.Out);
        output.WriteLine($"{o.Out}: {pruned.Nodes.Count} of {graph.Nodes.Count} nodes, {pruned.EdgeCount()} of {graph.EdgeCount()} edges");
        return ExitCode.Ok;
    }

    public ExitCode Score(GraphScoreOptions o, TextWriter output)
    {
        using var scope = DisposeScope.Enter();
        using var graph = GraphJson.Load(o.In);
        var s = GraphPruning.Scores(graph);
        if (o.Json)
            output.WriteLine(new JsonObject
            {
                ["replacement_score"] = s.ReplacementScore, ["completeness_score"] = s.CompletenessScore, ["nodes"] = s.Nodes, ["edges"] = s.Edges,
            }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        else
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"replacement_score {s.ReplacementScore:0.0000}\ncompleteness_score {s.CompletenessScore:0.0000}\nnodes {s.Nodes}\nedges {s.Edges}"));
        return ExitCode.Ok;
    }

    public ExitCode View(GraphViewOptions o, TextWriter output)
    {
        using var scope = DisposeScope.Enter();
        using var graph = GraphJson.Load(o.In);   // checks the layout
        Interp.IO.AtomicFile.WriteAllText(o.Out, GraphViewerHtml.Render(File.ReadAllText(o.In)));
        output.WriteLine($"{o.Out}: viewer of {graph.Nodes.Count} nodes, {graph.EdgeCount()} links");
        return ExitCode.Ok;
    }
}
