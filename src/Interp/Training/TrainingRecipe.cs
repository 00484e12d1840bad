// TrainingRecipe — the data side of dictionary training, one place for `train`, `run` and `sweep`: which tokens (the
// corpus train split in a document order drawn from the seed, each document after the separator, cut at the stream
// length), how they become activation batches (windows of the context, BOS first when the model's tokenizer adds one,
// separator positions and position 0 of every window dropped, token-level shuffling through the mixing buffer, pass p
// seeded seed + p), and the sparsity warm-up default. Optimiser settings and budgets are the caller's (the trainer's
// options); the model forward is the activation store's.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Training;

/// <param name="StreamTokens">Distinct tokens taken from the train split (replayed in a new shuffle when the budget outlasts them).</param>
/// <param name="ContextLength">Tokens per window (capped at the model's context).</param>
/// <param name="BufferTokens">The store's mixing buffer (at least two batches).</param>
public sealed record TrainingStream(long StreamTokens, int ContextLength, int BufferTokens);

public static class TrainingRecipe
{
    /// <summary>Windows per model forward while harvesting (changes which rows share a buffer fill, hence the batches).</summary>
    public const int SequencesPerForward = 16;

    /// <summary>Default sparsity-coefficient warm-up: 5 % of the steps (Anthropic's April 2024 update).</summary>
    public static int DefaultSparsityWarmupSteps(int steps) => steps / 20;

    /// <summary>The seed of the document order. Fixed, not the run's seed: which documents a budget trains on is a
    /// property of the corpus and the budget, so two seeds differ only in initialisation and shuffling. (With the run's
    /// seed, a small budget's few documents changed with every seed, and the seed spread of fvu grew tenfold — a gate
    /// calibrated on it could no longer see halved training.)</summary>
    public const int DocumentOrderSeed = 0x5eed;

    /// <summary>The train documents in a fixed shuffled order, tokenised with the separator before each, until `limit`
    /// tokens (cut there) or the documents run out. Only the documents needed are tokenised.</summary>
    public static long[] Tokens(IReadOnlyList<CorpusDocument> documents, ITokenizer tokenizer, DocumentSeparator separator, long limit)
    {
        var rng = new Random(DocumentOrderSeed);
        var ids = new List<long>();
        foreach (var doc in documents.OrderBy(_ => rng.Next()))
        {
            if (ids.Count >= limit) break;
            ids.AddRange(EmbeddedModelBuilder.Stream([doc], tokenizer, checked((int)separator.Id)));
        }
        return ids.Take((int)Math.Min(limit, int.MaxValue)).ToArray();
    }

    /// <summary>The activation store's options for pass `pass`.</summary>
    public static ActivationStoreOptions StoreOptions(IReadOnlyList<string> hooks, TrainingStream stream, int batchTokens, ModelConfig model,
        DocumentSeparator separator, ulong seed, int pass) =>
        new(hooks, ContextLength: Math.Min(stream.ContextLength, model.NCtx), SequencesPerForward: SequencesPerForward,
            BufferTokens: Math.Max(stream.BufferTokens, 2 * batchTokens), BatchTokens: batchTokens, ExcludeToken: separator.Id, Shuffle: true,
            Seed: seed + (ulong)pass, ExcludeFirstPosition: true, WindowPrefix: separator.PrependToWindows ? separator.Id : null);

    /// <summary>The passes the trainer consumes: pass p harvests `tokens` through the model, shuffled with seed + p.</summary>
    public static ActivationPasses Passes(TransformerModel model, long[] tokens, IReadOnlyList<string> hooks, TrainingStream stream, int batchTokens,
        DocumentSeparator separator, ulong seed) =>
        pass => new ActivationStore(model, tokens, StoreOptions(hooks, stream, batchTokens, model.Config, separator, seed, pass)).Batches();
}
