// GraphCommand — `interp-eval graph prune|score|view`: work on any attribution graph file in the circuit-tracer /
// Neuronpedia layout without recomputing it: prune (as circuit-tracer prunes) to new thresholds, print the replacement
// and completeness scores and node/edge counts, or write the offline HTML viewer. The work is GraphHandler's.
using System.CommandLine;
using InterpEval.Harness.Commands.Attribute;

namespace InterpEval.Harness.Commands.Graph;

public static class GraphCommand
{
    public static readonly Option<string> In = new("--in") { Description = "A graph JSON file (circuit-tracer / Neuronpedia layout)", HelpName = "FILE", Required = true };

    public static readonly Option<string> Out = new("--out") { Description = "Where to write", HelpName = "FILE", Required = true };

    public static readonly Option<double> NodeThreshold = new("--node-threshold")
    {
        Description = "Keep nodes up to this share of cumulative influence", HelpName = "X", Required = true, CustomParser = AttributeCommand.UnitInterval("--node-threshold"),
    };

    public static readonly Option<double> EdgeThreshold = new("--edge-threshold")
    {
        Description = "Keep edges up to this share of cumulative edge score", HelpName = "Y", Required = true, CustomParser = AttributeCommand.UnitInterval("--edge-threshold"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of text" };

    public static Command Create()
    {
        var command = new Command("graph", "Prune, score or view an attribution graph file (circuit-tracer / Neuronpedia layout)");
        var prune = new Command("prune", "Prune a graph (an unpruned one from `attribute --full-out`) to new node and edge thresholds") { In, NodeThreshold, EdgeThreshold, Out };
        prune.SetAction(r => (int)new GraphHandler().Prune(new GraphPruneOptions(r.GetValue(In)!, r.GetValue(NodeThreshold), r.GetValue(EdgeThreshold), r.GetValue(Out)!),
            r.InvocationConfiguration.Output));
        var score = new Command("score", "Print a graph's replacement_score, completeness_score and node and edge counts") { In, Json };
        score.SetAction(r => (int)new GraphHandler().Score(new GraphScoreOptions(r.GetValue(In)!, r.GetValue(Json)), r.InvocationConfiguration.Output));
        var view = new Command("view", "Write the self-contained offline HTML viewer of a graph") { In, Out };
        view.SetAction(r => (int)new GraphHandler().View(new GraphViewOptions(r.GetValue(In)!, r.GetValue(Out)!), r.InvocationConfiguration.Output));
        command.Subcommands.Add(prune);
        command.Subcommands.Add(score);
        command.Subcommands.Add(view);
        return command;
    }
}
