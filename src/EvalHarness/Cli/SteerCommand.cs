// SteerCommand — `interp-eval steer`: continue a prompt twice with the same seed, once as the model is and once with one
// latent clamped to A × its maximum activation on corpus training text (the reconstruction error kept), and print the
// two continuations side by side. The maximum comes from the first --calibration-tokens tokens of the embedded corpus's
// training split (seeded order, documents dealt round-robin across domains so that every domain is seen).
using System.CommandLine;
using System.Globalization;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Commands.Model;
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Suites.Probes;
using InterpEval.Suites.Steering;
using Spectre.Console;

namespace InterpEval.Harness.Cli;

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
        command.SetAction(parseResult => (int)Run(parseResult));
        return command;
    }

    private static ExitCode Run(ParseResult parseResult)
    {
        using var subject = InterpretSubject.Load(parseResult.GetValue(InspectCommand.Dict)!, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(GlobalOptions.Device));
        int latent = parseResult.GetValue(Latent);
        if (latent < 0 || latent >= subject.Dictionary.DSae)
            throw new UsageException($"--latent: {latent} is outside the dictionary's {subject.Dictionary.DSae} latents (0 to {subject.Dictionary.DSae - 1})");
        double temperature = parseResult.GetValue(Temperature);
        if (temperature < 0) throw new UsageException($"--temperature must be at least 0 (got {temperature.ToString(CultureInfo.InvariantCulture)})");
        string prompt = parseResult.GetValue(Prompt)!;
        if (prompt.Length == 0) throw new UsageException("--prompt is empty — give a prompt to continue");
        double max = MaxActivation(subject, latent, parseResult.GetValue(CalibrationTokens));
        double value = parseResult.GetValue(Scale) * max;
        var options = new SamplingOptions(parseResult.GetValue(Tokens), temperature, TopK: 40, Seed: parseResult.GetValue(Seed));
        long[] ids = subject.Prompt(prompt);
        long[] plain = TextGenerator.Generate(subject.Model, ids, options);
        long[] steered = TextGenerator.Generate(subject.Model, ids, options, LatentClamp.ToValue(subject.Dictionary, latent, value).Attach());
        var console = Terminal.For(parseResult.InvocationConfiguration.Output);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latent {latent}: max activation {max:0.####} over {parseResult.GetValue(CalibrationTokens)} corpus tokens; clamped to {parseResult.GetValue(Scale):G} × {max:0.####} = {value:0.####} at every position"));
        if (max == 0) console.WriteLine("note: the latent never fired on the calibration tokens, so every scale clamps it to 0");
        var table = new Table().AddColumn("unsteered").AddColumn($"steered (latent {latent} = {value.ToString("0.###", CultureInfo.InvariantCulture)})");
        table.AddRow(Markup.Escape(prompt + subject.Tokenizer.Decode(plain.Select(i => (int)i).ToArray())),
            Markup.Escape(prompt + subject.Tokenizer.Decode(steered.Select(i => (int)i).ToArray())));
        console.Write(table);
        return ExitCode.Ok;
    }

    /// <summary>The latent's largest activation over the first `tokens` tokens of the corpus training split.</summary>
    public static double MaxActivation(InterpretSubject subject, int latent, int tokens)
    {
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var labeller = new TokenLabeller(subject.Tokenizer, ConceptSet.ForCorpus(corpus));
        var stream = labeller.Stream(ProbeData.Stratified(corpus.Train, 0), subject.Separator, tokens);
        var harvest = LatentHarvester.Harvest(subject.Model, subject.Dictionary, stream.Ids, subject.Model.Config.NCtx, 8);
        var (rows, values) = harvest.Latents.Column(latent);
        double max = 0;
        for (int e = 0; e < rows.Count; e++)
            if (!stream.IsSeparator[rows[e]]) max = Math.Max(max, values[e]);
        return max;
    }
}
