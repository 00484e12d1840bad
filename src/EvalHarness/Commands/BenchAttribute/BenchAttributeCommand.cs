// BenchAttributeCommand — `interp-eval bench attribute`: seconds per attribution graph, backward passes, row-buffer size
// and peak resident memory for 16-, 32-, 64- and 128-token prompts on the embedded model's CLT (a CLT directory with
// --dict; by default a seeded random topk CLT of the default profile's shape, width 256, k 16: the cost depends on the
// shape and k, not on the trained weights). A benchmark command, never a timed test; the work is BenchAttributeHandler's.
using System.CommandLine;
using InterpEval.Harness.Commands.Model;

namespace InterpEval.Harness.Commands.BenchAttribute;

public static class BenchAttributeCommand
{
    public static readonly Option<string?> Dict = new("--dict") { Description = "A CLT directory (default: a seeded random topk CLT, width 256, k 16)", HelpName = "DIR" };

    public static readonly Option<string> Lengths = new("--lengths")
    {
        Description = "Prompt lengths in tokens, comma-separated", HelpName = "N,…", DefaultValueFactory = _ => "16,32,64,128",
    };

    public static readonly Option<int?> MaxFeatureNodes = new("--max-feature-nodes")
    {
        Description = "Feature rows per graph (default: every active latent)", HelpName = "N",
    };

    public static readonly Option<int> BatchSize = new("--batch-size")
    {
        Description = "Rows per backward pass", HelpName = "N", DefaultValueFactory = _ => 32, CustomParser = OptionParsers.PositiveInt("--batch-size"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object instead of a table" };

    public static Command Create()
    {
        var command = new Command("attribute", "Seconds, backward passes and memory per attribution graph for 16- to 128-token prompts on the embedded model's CLT")
        {
            Dict, ModelCommand.Model, Lengths, MaxFeatureNodes, BatchSize, Json,
        };
        command.SetAction(r => (int)new BenchAttributeHandler().Run(new BenchAttributeOptions(
            r.GetValue(Dict), ModelCommand.ModelDirectory(r), r.GetValue(Lengths)!, r.GetValue(MaxFeatureNodes), r.GetValue(BatchSize), r.GetValue(Json),
            r.GetValue(GlobalOptions.Device)), r.InvocationConfiguration.Output));
        return command;
    }
}
