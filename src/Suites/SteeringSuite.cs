// SteeringSuite — does clamping a concept's latent steer generation toward the concept, and at what cost (DESIGN §8)?
// For each concept: the latent with the best F1 on the training stream (documents dealt round-robin across domains, so
// that every concept with training data has positives), clamped to α × its maximum training activation (error term
// kept, LatentClamp) while the seeded sampler continues neutral prompts; reports the concept rate of the
// generated tokens (GeneratedTextLabeller), KL from the unsteered model along them, cross-entropy of held-out text that
// lacks the concept, fluency retention and the steering score. Definitions: docs/probes-and-steering.md. Never prints.
using System.Globalization;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Suites.Probes;
using InterpEval.Suites.Steering;

namespace InterpEval.Suites;

/// <param name="Concepts">Concepts to steer toward (those the corpus lacks are skipped).</param>
/// <param name="Alphas">Clamp values as multiples of the latent's maximum training activation.</param>
/// <param name="Prompts">Neutral prompts (each preceded by the separator token).</param>
/// <param name="NewTokens">Tokens generated per prompt.</param>
/// <param name="Temperature">Sampling temperature (0 = greedy).</param>
/// <param name="TopK">Top-k filter of the sampler (0 = none).</param>
/// <param name="HeldOutSequences">Held-out sequences (of the context length) for cross-entropy.</param>
/// <param name="StatisticsTokens">Training tokens counted for P(concept | token id).</param>
public sealed record SteeringOptions(
    string[]? Concepts = null, double[]? Alphas = null, string[]? Prompts = null, int NewTokens = 24, double Temperature = 1.0,
    int TopK = 40, int HeldOutSequences = 4, int StatisticsTokens = 200_000)
{
    public string[] SteeredConcepts => Concepts ?? ["dna", "hex", "base64", "german"];
    public double[] ClampAlphas => Alphas ?? [-2, 0, 2, 5, 10];
    public string[] NeutralPrompts => Prompts ?? ["The", "In the", "It was", "We"];
}

public sealed class SteeringSuite(SteeringOptions? options = null) : ISuite
{
    private readonly SteeringOptions _o = options ?? new SteeringOptions();

    public string Name => "steering";

    public string Description => "Clamp each concept's best latent (α × max activation, error term kept): concept rate, KL, held-out CE, steering score";

    public string? CannotRun(SuiteInput input) => ProbeData.Missing(input);

    public IReadOnlyList<MetricRecord> Run(SuiteInput input, CancellationToken cancellation = default)
    {
        if (CannotRun(input) is { } why) throw new InvalidOperationException($"steering {why}");
        var model = input.Model!;
        var concepts = ConceptSet.ForCorpus(input.Corpus!);
        var labeller = new TokenLabeller(input.Tokenizer!, concepts);
        int? separator = DocumentSeparator.IdOrNull(model.Config, input.Tokenizer);
        var train = ProbeData.Shuffled(input.Corpus!.Train, input.Options.Seed);
        var stream = labeller.Stream(ProbeData.Stratified(input.Corpus!.Train, input.Options.Seed), separator, input.Options.Tokens);
        var harvest = LatentHarvester.Harvest(model, input.Dictionary, stream.Ids, input.Options.ContextLength,
            input.Options.SequencesPerBatch, keepRaw: false, cancellation);
        var table = new ConceptLatentTable(harvest.Latents, stream);
        var statistics = new TokenConceptStatistics(labeller.Stream(train, separator, _o.StatisticsTokens), model.Config.VocabSize);
        var generated = new GeneratedTextLabeller(input.Tokenizer!, statistics);
        var prompts = _o.NeutralPrompts.Select(p => Prompt(input, p, separator)).ToArray();
        var unsteered = prompts.Select((p, i) => Generate(model, p, null, input.Options.Seed + (ulong)i)).ToArray();
        var records = new List<MetricRecord>();
        foreach (string concept in _o.SteeredConcepts.Where(concepts.Contains))
        {
            int c = concepts.IndexOf(concept);
            if (table.Positives[c] == 0) continue;
            cancellation.ThrowIfCancellationRequested();
            records.AddRange(SteerConcept(input, concept, c, table, generated, labeller, prompts, unsteered, separator, cancellation));
        }
        return records;
    }

    private IEnumerable<MetricRecord> SteerConcept(SuiteInput input, string concept, int c, ConceptLatentTable table,
        GeneratedTextLabeller generated, TokenLabeller labeller, long[][] prompts, long[][] unsteered, int? separator,
        CancellationToken cancellation)
    {
        var model = input.Model!;
        int latent = table.Best(j => table.F1(j, c));
        double max = table.Max[latent];
        var heldOut = HeldOutWithout(input, labeller, c, separator);
        double ceUnsteered = SteeringMeasures.CrossEntropy(model, heldOut, null, separator);
        MetricRecord R(string name, double value, string unit, MetricDirection d) => new(Name, input.Subject, name, value, unit, d);
        yield return R($"latent/{concept}", latent, "index", MetricDirection.None);
        yield return R($"max_activation/{concept}", max, "", MetricDirection.None);
        yield return R($"concept_rate/{concept}/unsteered", Rate(generated, unsteered, concept), "fraction", MetricDirection.None);
        yield return R($"ce/{concept}/unsteered", ceUnsteered, "nats/token", MetricDirection.None);
        double bestScore = 0;
        foreach (double alpha in _o.ClampAlphas)
        {
            cancellation.ThrowIfCancellationRequested();
            var clamp = LatentClamp.ToValue(input.Dictionary, latent, alpha * max);
            var continuations = prompts.Select((p, i) => Generate(model, p, clamp.Attach(), input.Options.Seed + (ulong)i)).ToArray();
            double rate = Rate(generated, continuations, concept);
            double kl = prompts.Select((p, i) => SteeringMeasures.KlFromUnsteered(model, [.. p, .. continuations[i]], p.Length, clamp.Attach()))
                .Where(k => !double.IsNaN(k)).DefaultIfEmpty(double.NaN).Average();
            double ce = SteeringMeasures.CrossEntropy(model, heldOut, clamp.Attach(), separator);
            double retention = SteeringMeasures.FluencyRetention(ceUnsteered, ce);
            double score = SteeringMeasures.Score(rate, retention);
            bestScore = Math.Max(bestScore, double.IsNaN(score) ? 0 : score);
            string a = "alpha_" + alpha.ToString("G", CultureInfo.InvariantCulture);
            yield return R($"concept_rate/{concept}/{a}", rate, "fraction", MetricDirection.None);
            yield return R($"kl/{concept}/{a}", kl, "nats/token", MetricDirection.None);
            yield return R($"ce/{concept}/{a}", ce, "nats/token", MetricDirection.None);
            yield return R($"fluency/{concept}/{a}", retention, "fraction", MetricDirection.None);
            yield return R($"score/{concept}/{a}", score, "fraction", MetricDirection.None);
        }
        yield return R($"best_score/{concept}", bestScore, "fraction", MetricDirection.Higher);
    }

    private static long[] Prompt(SuiteInput input, string text, int? separator)
    {
        var ids = input.Tokenizer!.Encode(text, recognizeSpecialTokens: false).Select(i => (long)i);
        return (separator is int s ? ids.Prepend(s) : ids).ToArray();
    }

    private long[] Generate(TransformerModel model, long[] prompt, ForwardHooks? hooks, ulong seed) =>
        TextGenerator.Generate(model, prompt, new SamplingOptions(_o.NewTokens, _o.Temperature, _o.TopK, seed), hooks);

    private static double Rate(GeneratedTextLabeller labeller, long[][] continuations, string concept)
    {
        long total = continuations.Sum(c => (long)c.Length);
        return total == 0 ? double.NaN : continuations.Sum(c => labeller.Label(c, concept).LongCount(b => b)) / (double)total;
    }

    // Validation documents none of whose tokens carry the concept, as sequences of the context length.
    private List<long[]> HeldOutWithout(SuiteInput input, TokenLabeller labeller, int c, int? separator)
    {
        int length = Math.Min(input.Options.ContextLength, input.Model!.Config.NCtx);
        var documents = ProbeData.Shuffled(input.Corpus!.Validation, input.Options.Seed + 7)
            .Where(d => labeller.Label(d, input.Tokenizer!.EncodeWithOffsets(d.Text)).All(m => (m >> c & 1) == 0));
        var ids = labeller.Stream(documents, separator, length * _o.HeldOutSequences).Ids;
        return Enumerable.Range(0, ids.Length / length).Select(s => ids[(s * length)..((s + 1) * length)]).ToList();
    }
}
