// InspectCommand — `interp-eval inspect`: for each token of a text, the dictionary's top active latents and their
// values, as a table or JSON. The text is preceded by the model's separator token (not shown), as in training.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InterpEval.Harness.Commands.Model;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Inspect;

public static class InspectCommand
{
    public static readonly Option<string> Dict = new("--dict")
    {
        Description = "Dictionary directory (cfg.json + sae_weights.safetensors)", HelpName = "DIR", Required = true,
    };

    public static readonly Option<string> Text = new("--text") { Description = "The text to inspect", HelpName = "S", Required = true };

    public static readonly Option<int> Top = new("--top")
    {
        Description = "Latents shown per token", HelpName = "N", DefaultValueFactory = _ => 5, CustomParser = OptionParsers.PositiveInt("--top"),
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("inspect", "Show the top active latents of a dictionary at each token of a text") { Dict, ModelCommand.Model, Text, Top, Json };
        command.SetAction(parseResult => (int)new InspectHandler(parseResult.InvocationConfiguration.Output).Run(new InspectOptions(
            parseResult.GetValue(Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(Text)!, parseResult.GetValue(Top), parseResult.GetValue(Json),
            parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }
}
