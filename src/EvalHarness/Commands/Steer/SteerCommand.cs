// SteerCommand — `interp-eval steer`: continue a prompt twice with the same seed, once as the model is and once with one
// latent clamped to A × its maximum activation on corpus training text (the reconstruction error kept), and print the
// two continuations side by side. The maximum comes from the first --calibration-tokens tokens of the embedded corpus's
// training split (seeded order, documents dealt round-robin across domains so that every domain is seen).
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Commands.Inspect;
using InterpEval.Harness.Commands.Model;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Suites.Probes;
using InterpEval.Suites.Steering;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Steer;

public static class SteerCommand
{
    public static readonly Option<int> Latent = new("--latent") { Description = "The latent to clamp", HelpName = "I", Required = true };

    public static readonly Option<double> Scale = new("--scale")
    {
        Description = "Clamp value as a multiple of the latent's maximum activation on corpus text (e.g. -2, 0, 5, 10)", HelpName = "A", Required = true,
    };

    public static readonly Option<string> Prompt = new("--prompt") { Description = "The prompt to continue", HelpName = "S", Required = true };

    public static readonly Option<int> Tokens = new("--tokens")
    {
        Description = "Tokens to generate", HelpName = "N", DefaultValueFactory = _ => 32, CustomParser = OptionParsers.PositiveInt("--tokens"),
    };

    public static readonly Option<ulong> Seed = new("--seed") { Description = "Sampling seed (both continuations use it)", HelpName = "N", DefaultValueFactory = _ => 0UL };

    public static readonly Option<double> Temperature = new("--temperature")
    {
        Description = "Sampling temperature; 0 = greedy", HelpName = "T", DefaultValueFactory = _ => 1.0,
    };

    public static readonly Option<int> CalibrationTokens = new("--calibration-tokens")
    {
        Description = "Corpus training tokens over which the latent's maximum activation is taken", HelpName = "N",
        DefaultValueFactory = _ => 8192, CustomParser = OptionParsers.PositiveInt("--calibration-tokens"),
    };

    public static Command Create()
    {
        var command = new Command("steer", "Continue a prompt with and without one latent clamped, side by side")
        {
            InspectCommand.Dict, ModelCommand.Model, Latent, Scale, Prompt, Tokens, Seed, Temperature, CalibrationTokens,
        };
        command.SetAction(parseResult => (int)new SteerHandler(parseResult.InvocationConfiguration.Output).Run(new SteerOptions(
            parseResult.GetValue(InspectCommand.Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(Latent), parseResult.GetValue(Scale),
            parseResult.GetValue(Prompt)!, parseResult.GetValue(Tokens), parseResult.GetValue(Seed), parseResult.GetValue(Temperature),
            parseResult.GetValue(CalibrationTokens), parseResult.GetValue(GlobalOptions.Device))));
        return command;
    }
}
