// FeaturesHandler — `interp-eval features`: measures the first latents of a dictionary on the embedded corpus's validation
// split and writes OUT/index.html, a self-contained feature browser. Computation in Interp's FeatureSummary, layout in
// Interpret/FeatureBrowserHtml.
using InterpEval.Harness.Interpret;
using InterpEval.Harness.Tool;
using InterpEval.Interp;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.IO;
using InterpEval.Suites.Probes;
using InterpEval.Torch;

namespace InterpEval.Harness.Commands.Features;

/// <param name="Dict">The dictionary directory.</param>
/// <param name="Model">The subject model's directory.</param>
/// <param name="Out">Output directory (index.html).</param>
/// <param name="Latents">Latents 0 … N−1 are included.</param>
/// <param name="Tokens">Corpus validation tokens to measure on.</param>
/// <param name="Device">Where tensors live.</param>
public sealed record FeaturesOptions(string Dict, string Model, string Out, int Latents, int Tokens, Device Device);

public sealed class FeaturesHandler(TextWriter stdout)
{
    public ExitCode Run(FeaturesOptions o)
    {
        string dict = o.Dict;
        using var subject = InterpretSubject.Load(dict, o.Model, o.Device);
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var labeller = new TokenLabeller(subject.Tokenizer, ConceptSet.ForCorpus(corpus));
        var stream = labeller.Stream(ProbeData.Shuffled(corpus.Validation, 0), subject.Separator, o.Tokens);
        var harvest = LatentHarvester.Harvest(subject.Model, subject.Dictionary, stream.Ids, subject.Model.Config.NCtx, 8);
        int count = Math.Min(o.Latents, subject.Dictionary.DSae);
        var summaries = FeatureSummary.Build(subject.Model, subject.Dictionary, subject.Tokenizer, stream, harvest.Latents, count);
        string outDir = o.Out;
        Directory.CreateDirectory(outDir);
        string path = Path.Combine(outDir, "index.html");
        string title = $"{Path.GetFileName(Path.GetFullPath(dict).TrimEnd(Path.DirectorySeparatorChar))} — {subject.Dictionary.Config.HookName}, {subject.Dictionary.DSae} latents";
        AtomicFile.WriteAllText(path, FeatureBrowserHtml.Render(title, summaries));
        stdout.WriteLine($"wrote {path}: {count} latents measured on {stream.IsSeparator.Count(s => !s)} corpus tokens");
        return ExitCode.Ok;
    }
}
