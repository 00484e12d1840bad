// InterveneCommand — `interp-eval intervene`: ablate or set latents of the local replacement model, named by graph node
// ids ({layer}_{latent}_{pos}), and report the last position's logits before and after, raw and de-meaned. Modes: the
// edit propagates with attention frozen (default) or recomputed (--free-attention), or --direct (only the direct effect
// the graph's edges describe). The work is InterveneHandler's.
using System.CommandLine;
using InterpEval.Harness.Commands.Attribute;
using InterpEval.Harness.Commands.Model;

namespace InterpEval.Harness.Commands.Intervene;

public static class InterveneCommand
{
    public static readonly Option<string[]> Ablate = new("--ablate")
    {
        Description = "Feature node ids to set to 0, e.g. 2_117_5", HelpName = "NODE_ID", AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Feature node ids to set to a value, e.g. 2_117_5=3.5", HelpName = "NODE_ID=VALUE", AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> Direct = new("--direct")
    {
        Description = "Direct effect only: every other MLP output, attention pattern and norm scale frozen at the clean run's",
    };

    public static readonly Option<bool> FreeAttention = new("--free-attention") { Description = "Recompute attention patterns (default: frozen at the clean run's)" };

    public static readonly Option<string?> Watch = new("--watch") { Description = "Token ids to report, comma-separated (default: the top N before)", HelpName = "TOKEN_ID,…" };

    public static readonly Option<int> Top = new("--top")
    {
        Description = "Report the top N tokens before the intervention (when --watch is not given)", HelpName = "N", DefaultValueFactory = _ => 10,
        CustomParser = OptionParsers.PositiveInt("--top"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("intervene", "Ablate or set latents (graph node ids) in the replacement model and compare the logits before and after")
        {
            AttributeCommand.Dict, ModelCommand.Model, AttributeCommand.Prompt, Ablate, Set, Direct, FreeAttention, Watch, Top, Json,
        };
        command.SetAction(r => (int)new InterveneHandler().Run(new InterveneOptions(
            r.GetValue(AttributeCommand.Dict)!, ModelCommand.ModelDirectory(r), r.GetValue(AttributeCommand.Prompt)!, r.GetValue(Ablate) ?? [], r.GetValue(Set) ?? [],
            r.GetValue(Direct), r.GetValue(FreeAttention), r.GetValue(Watch), r.GetValue(Top), r.GetValue(Json), r.GetValue(GlobalOptions.Device)),
            r.InvocationConfiguration.Output));
        return command;
    }
}
