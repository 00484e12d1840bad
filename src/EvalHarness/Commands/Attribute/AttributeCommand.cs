// AttributeCommand — `interp-eval attribute`: the attribution graph of one prompt on the local replacement model of a
// CLT (one --dict) or per-layer transcoders (--dict once per layer), pruned as circuit-tracer prunes, written as graph
// JSON (pruned, and unpruned with --full-out) and as an offline HTML viewer. The work is AttributeHandler's.
using System.CommandLine;
using InterpEval.Harness.Commands.Model;

namespace InterpEval.Harness.Commands.Attribute;

public static class AttributeCommand
{
    public static readonly Option<string[]> Dict = new("--dict")
    {
        Description = "A CLT directory, or a transcoder / skip-transcoder directory given once per layer", HelpName = "DIR", Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string> Prompt = new("--prompt") { Description = "The prompt to trace (the model's separator is put in front)", HelpName = "S", Required = true };

    public static readonly Option<double> NodeThreshold = new("--node-threshold")
    {
        Description = "Keep nodes up to this share of cumulative influence (tokens and logits always)", HelpName = "X", DefaultValueFactory = _ => 0.8,
        CustomParser = UnitInterval("--node-threshold"),
    };

    public static readonly Option<double> EdgeThreshold = new("--edge-threshold")
    {
        Description = "Keep edges up to this share of cumulative edge score", HelpName = "Y", DefaultValueFactory = _ => 0.98,
        CustomParser = UnitInterval("--edge-threshold"),
    };

    public static readonly Option<int> MaxLogits = new("--max-logits")
    {
        Description = "At most this many logit nodes", HelpName = "N", DefaultValueFactory = _ => 10, CustomParser = OptionParsers.PositiveInt("--max-logits"),
    };

    public static readonly Option<double> LogitProb = new("--logit-prob")
    {
        Description = "Logit nodes for the top tokens until their cumulative probability reaches this", HelpName = "P", DefaultValueFactory = _ => 0.95,
        CustomParser = UnitInterval("--logit-prob"),
    };

    public static readonly Option<int?> MaxFeatureNodes = new("--max-feature-nodes")
    {
        Description = "Compute rows for at most N latents, the most influential first (default: every active latent)", HelpName = "N",
    };

    public static readonly Option<int> BatchSize = new("--batch-size")
    {
        Description = "Rows per backward pass", HelpName = "N", DefaultValueFactory = _ => 32, CustomParser = OptionParsers.PositiveInt("--batch-size"),
    };

    public static readonly Option<string> Slug = new("--slug") { Description = "The graph's slug (metadata.slug)", HelpName = "S", DefaultValueFactory = _ => "graph" };

    public static readonly Option<string?> Out = new("--out") { Description = "Write the pruned graph JSON here", HelpName = "FILE" };

    public static readonly Option<string?> FullOut = new("--full-out") { Description = "Write the unpruned graph JSON here (re-prune it with `graph prune`)", HelpName = "FILE" };

    public static readonly Option<string?> Html = new("--html") { Description = "Write a self-contained offline viewer of the pruned graph here", HelpName = "FILE" };

    public static readonly Option<bool> Json = new("--json") { Description = "Print the summary as JSON" };

    public static Command Create()
    {
        var command = new Command("attribute", "Attribution graph of a prompt on the local replacement model (circuit tracing), pruned, as graph JSON and HTML")
        {
            Dict, ModelCommand.Model, Prompt, NodeThreshold, EdgeThreshold, MaxLogits, LogitProb, MaxFeatureNodes, BatchSize, Slug, Out, FullOut, Html, Json,
        };
        command.SetAction(parseResult => (int)new AttributeHandler().Run(new AttributeOptions(
            parseResult.GetValue(Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(Prompt)!,
            parseResult.GetValue(NodeThreshold), parseResult.GetValue(EdgeThreshold), parseResult.GetValue(MaxLogits), parseResult.GetValue(LogitProb),
            parseResult.GetValue(MaxFeatureNodes), parseResult.GetValue(BatchSize), parseResult.GetValue(Slug)!, parseResult.GetValue(Out),
            parseResult.GetValue(FullOut), parseResult.GetValue(Html), parseResult.GetValue(Json), parseResult.GetValue(GlobalOptions.Device)),
            parseResult.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>A parser for a number in [0, 1].</summary>
    public static Func<System.CommandLine.Parsing.ArgumentResult, double> UnitInterval(string name) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) && v >= 0 && v <= 1)
            return v;
        result.AddError($"{name} must be a number between 0 and 1 (got '{text}')");
        return 0;
    };
}
