// ProbeData — what the probes and steering suites measure on: the corpus's training and validation documents (shuffled
// by the seed) as labelled token streams (TokenLabeller), each run through the model and the dictionary into sparse
// latents and raw activations. The training stream selects latents and fits probes; the validation stream scores them.
// It computes no metric.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites.Probes;

/// <param name="Tokens">The labelled stream.</param>
/// <param name="Harvest">Its latents (and raw activations), one row per stream position.</param>
public sealed record ProbeSplit(LabelledTokens Tokens, HarvestedLatents Harvest)
{
    /// <summary>Stream positions that are not separators (the evaluated tokens).</summary>
    public int[] Evaluated() => Enumerable.Range(0, Tokens.Count).Where(t => !Tokens.IsSeparator[t]).ToArray();
}

public sealed record ProbeData(ConceptSet Concepts, TokenLabeller Labeller, int? Separator, ProbeSplit Train, ProbeSplit HeldOut)
{
    /// <summary>Why the input cannot give probe data, or null when it can: what every model-based suite needs.</summary>
    public static string? Missing(SuiteInput input) => EvalTokens.Missing(input);

    /// <summary>Streams of up to Options.Tokens tokens from each split, harvested; raw activations kept when asked.</summary>
    public static ProbeData Build(SuiteInput input, bool keepRaw, CancellationToken cancellation)
    {
        if (Missing(input) is { } why) throw new InvalidOperationException($"probe data {why}");
        var model = input.Model!;
        var corpus = input.Corpus!;
        var concepts = ConceptSet.ForCorpus(corpus);
        var labeller = new TokenLabeller(input.Tokenizer!, concepts);
        int? separator = DocumentSeparator.IdOrNull(model.Config, input.Tokenizer);
        ProbeSplit Split(IReadOnlyList<CorpusDocument> documents, ulong salt)
        {
            var stream = labeller.Stream(Shuffled(documents, input.Options.Seed + salt), separator, input.Options.Tokens);
            var harvest = LatentHarvester.Harvest(model, input.Dictionary, stream.Ids, input.Options.ContextLength,
                input.Options.SequencesPerBatch, keepRaw, cancellation);
            return new ProbeSplit(stream, harvest);
        }
        return new ProbeData(concepts, labeller, separator, Split(corpus.Train, 0), Split(corpus.Validation, 1));
    }

    /// <summary>The documents in a seeded order (System.Random's seeded sequence, stable across runs).</summary>
    public static IReadOnlyList<CorpusDocument> Shuffled(IReadOnlyList<CorpusDocument> documents, ulong seed)
    {
        var order = documents.ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)))).Shuffle(order);
        return order;
    }

    /// <summary>
    /// The documents shuffled by the seed, then dealt round-robin across domains (first-seen order), so that a stream
    /// cut to a small token budget still holds every domain — rare domains such as dna are not left out by chance.
    /// </summary>
    public static IReadOnlyList<CorpusDocument> Stratified(IReadOnlyList<CorpusDocument> documents, ulong seed)
    {
        var queues = Shuffled(documents, seed).GroupBy(d => d.Domain, StringComparer.Ordinal)
            .Select(g => new Queue<CorpusDocument>(g)).ToList();
        var order = new List<CorpusDocument>(documents.Count);
        while (order.Count < documents.Count)
            foreach (var queue in queues)
                if (queue.TryDequeue(out var document)) order.Add(document);
        return order;
    }
}
