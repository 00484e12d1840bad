// FeaturesCommand — `interp-eval features`: writes OUT/index.html, a self-contained feature browser for the first
// --latents latents of a dictionary, measured on --tokens tokens of the embedded corpus's validation split (seeded
// document order). Computation in Interpret/FeatureSummary, layout in Interpret/FeatureBrowserHtml.
using System.CommandLine;
using InterpEval.Harness.Commands;
using InterpEval.Harness.Commands.Model;
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.IO;
using InterpEval.Suites.Probes;

namespace InterpEval.Harness.Cli;

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
        command.SetAction(parseResult => (int)Run(parseResult));
        return command;
    }

    private static ExitCode Run(ParseResult parseResult)
    {
        string dict = parseResult.GetValue(InspectCommand.Dict)!;
        using var subject = InterpretSubject.Load(dict, ModelCommand.ModelDirectory(parseResult), parseResult.GetValue(GlobalOptions.Device));
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var labeller = new TokenLabeller(subject.Tokenizer, ConceptSet.ForCorpus(corpus));
        var stream = labeller.Stream(ProbeData.Shuffled(corpus.Validation, 0), subject.Separator, parseResult.GetValue(Tokens));
        var harvest = LatentHarvester.Harvest(subject.Model, subject.Dictionary, stream.Ids, subject.Model.Config.NCtx, 8);
        int count = Math.Min(parseResult.GetValue(Latents), subject.Dictionary.DSae);
        var summaries = FeatureSummary.Build(subject, stream, harvest.Latents, count);
        string outDir = parseResult.GetValue(Out)!;
        Directory.CreateDirectory(outDir);
        string path = Path.Combine(outDir, "index.html");
        string title = $"{Path.GetFileName(Path.GetFullPath(dict).TrimEnd(Path.DirectorySeparatorChar))} — {subject.Dictionary.Config.HookName}, {subject.Dictionary.DSae} latents";
        AtomicFile.WriteAllText(path, FeatureBrowserHtml.Render(title, summaries));
        parseResult.InvocationConfiguration.Output.WriteLine($"wrote {path}: {count} latents measured on {stream.IsSeparator.Count(s => !s)} corpus tokens");
        return ExitCode.Ok;
    }
}
