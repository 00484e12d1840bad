// SteerHandler — `interp-eval steer`: continues a prompt twice with the same seed, once as the model is and once with one
// latent clamped to A × its maximum activation on corpus training text, and prints the two continuations side by side.
using System.Globalization;
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Suites.Probes;
using InterpEval.Suites.Steering;
using InterpEval.Torch;
using Spectre.Console;

namespace InterpEval.Harness.Commands.Steer;

/// <param name="Dict">The dictionary directory.</param>
/// <param name="Model">The subject model's directory.</param>
/// <param name="Latent">The latent to clamp.</param>
/// <param name="Scale">Clamp value as a multiple of the latent's maximum activation.</param>
/// <param name="Prompt">The prompt to continue.</param>
/// <param name="Tokens">Tokens to generate.</param>
/// <param name="Seed">Sampling seed.</param>
/// <param name="Temperature">Sampling temperature; 0 = greedy.</param>
/// <param name="CalibrationTokens">Corpus training tokens over which the maximum activation is taken.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record SteerOptions(string Dict, string Model, int Latent, double Scale, string Prompt, int Tokens, ulong Seed, double Temperature,
    int CalibrationTokens, Device Device);

public sealed class SteerHandler(TextWriter stdout)
{
    public ExitCode Run(SteerOptions o)
    {
        using var subject = InterpretSubject.Load(o.Dict, o.Model, o.Device);
        int latent = o.Latent;
        if (latent < 0 || latent >= subject.Dictionary.DSae)
            throw new UsageException($"--latent: {latent} is outside the dictionary's {subject.Dictionary.DSae} latents (0 to {subject.Dictionary.DSae - 1})");
        double temperature = o.Temperature;
        if (temperature < 0) throw new UsageException($"--temperature must be at least 0 (got {temperature.ToString(CultureInfo.InvariantCulture)})");
        string prompt = o.Prompt;
        if (prompt.Length == 0) throw new UsageException("--prompt is empty — give a prompt to continue");
        double max = LatentCalibration.MaxActivation(subject.Model, subject.Dictionary, subject.Tokenizer, subject.Separator,
            Corpus.Load(EmbeddedAssets.CorpusPath), latent, o.CalibrationTokens);
        double value = o.Scale * max;
        var options = new SamplingOptions(o.Tokens, temperature, TopK: 40, Seed: o.Seed);
        long[] ids = subject.Prompt(prompt);
        long[] plain = TextGenerator.Generate(subject.Model, ids, options);
        long[] steered = TextGenerator.Generate(subject.Model, ids, options, LatentClamp.ToValue(subject.Dictionary, latent, value).Attach());
        var console = Terminal.For(stdout);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latent {latent}: max activation {max:0.####} over {o.CalibrationTokens} corpus tokens; clamped to {o.Scale:G} × {max:0.####} = {value:0.####} at every position"));
        if (max == 0) console.WriteLine("note: the latent never fired on the calibration tokens, so every scale clamps it to 0");
        var table = new Table().AddColumn("unsteered").AddColumn($"steered (latent {latent} = {value.ToString("0.###", CultureInfo.InvariantCulture)})");
        table.AddRow(Markup.Escape(prompt + subject.Tokenizer.Decode(plain.Select(i => (int)i).ToArray())),
            Markup.Escape(prompt + subject.Tokenizer.Decode(steered.Select(i => (int)i).ToArray())));
        console.Write(table);
        return ExitCode.Ok;
    }
}
