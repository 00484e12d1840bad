// FeaturesCommand — `interp-eval features`: writes OUT/index.html, a self-contained feature browser for the first
// --latents latents of a dictionary, measured on --tokens tokens of the embedded corpus's validation split (seeded
// document order). Options are static fields; the work is FeaturesHandler's.
using System.CommandLine;
using InterpEval.Harness.Commands.Inspect;
using InterpEval.Harness.Commands.Model;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.IO;
using InterpEval.Suites.Probes;

namespace InterpEval.Harness.Commands.Features;

public static class FeaturesCommand
{
    public static readonly Option<string> Out = new("--out") { Description = "Output directory (index.html is written there)", HelpName = "DIR", Required = true };

    public static readonly Option<int> Latents = new("--latents")
    {
        Description = "How many latents to include (latents 0 … N−1)", HelpName = "N", DefaultValueFactory = _ => 256,
        CustomParser = OptionParsers.PositiveInt("--latents"),
    };

    public static readonly Option<int> Tokens = new("--tokens")
    {
        Description = "Corpus validation tokens to measure on", HelpName = "N", DefaultValueFactory = _ => 16384,
        CustomParser = OptionParsers.PositiveInt("--tokens"),
    };

    public static Command Create()
    {
        var command = new Command("features", "Write a self-contained HTML feature browser (density, top contexts, output tokens, neighbours)")
        {
            InspectCommand.Dict, ModelCommand.Model, Out, Latents, Tokens,
        };
        command.SetAction(parseResult => (int)new FeaturesHandler(parseResult.InvocationConfiguration.Output).Run(new FeaturesOptions(
            parseResult.GetValue(InspectCommand.Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(Out)!, parseResult.GetValue(Latents),
            parseResult.GetValue(Tokens), parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }
}
