// EvalTokens — the token windows every model-based suite evaluates on: the corpus VALIDATION split, tokenized with the
// model's tokenizer, each document preceded by the end-of-text separator (as EmbeddedModelBuilder.Stream joins the
// training stream), cut into consecutive windows of the context length, at most SuiteOptions.Tokens tokens (counted
// before separator positions are dropped). Documents are tokenized only until the budget is met. No shuffling.
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

public static class EvalTokens
{
    /// <summary>Why a suite needing model, tokenizer and corpus cannot run on this input; null when it can.</summary>
    public static string? Missing(SuiteInput input) =>
        input.Model is null ? "needs a subject model"
        : input.Tokenizer is null ? "needs the model's tokenizer"
        : input.Corpus is null ? "needs a corpus"
        : input.Corpus.Validation.Count == 0 ? "the corpus has no validation documents"
        : null;

    /// <summary>The separator/BOS id: the tokenizer's &lt;|endoftext|&gt;, else the model's BOS id.</summary>
    public static long Separator(ITokenizer tokenizer, TransformerModel model) =>
        tokenizer.EndOfTextId ?? model.Config.BosTokenId
        ?? throw new InvalidOperationException("neither the tokenizer nor the model names a BOS/end-of-text token to separate documents");

    /// <summary>The validation stream cut to `limit` tokens: [sep, doc₀…, sep, doc₁…, …].</summary>
    public static long[] ValidationStream(Corpus corpus, ITokenizer tokenizer, long separator, int limit)
    {
        var ids = new List<long>();
        foreach (var doc in corpus.Validation)
        {
            if (ids.Count >= limit) break;
            ids.AddRange(EmbeddedModelBuilder.Stream([doc], tokenizer, (int)separator));
        }
        return ids.Take(limit).ToArray();
    }

    /// <summary>The evaluation batches of a suite input (model, tokenizer and corpus required).</summary>
    public static IEnumerable<EvalBatch> Batches(SuiteInput input)
    {
        var model = input.Model ?? throw new ArgumentException("evaluation needs a subject model");
        var tokenizer = input.Tokenizer ?? throw new ArgumentException("evaluation needs the model's tokenizer");
        var corpus = input.Corpus ?? throw new ArgumentException("evaluation needs a corpus");
        long separator = Separator(tokenizer, model);
        var stream = ValidationStream(corpus, tokenizer, separator, input.Options.Tokens);
        int context = Math.Min(input.Options.ContextLength, model.Config.NCtx);
        return Batches(stream, separator, context, input.Options.SequencesPerBatch, model.Device);
    }

    /// <summary>Consecutive windows of `context` tokens, `perBatch` at a time; a final shorter window (≥ 2 tokens) is
    /// its own batch. Each batch is created outside every dispose scope; the caller disposes it.</summary>
    public static IEnumerable<EvalBatch> Batches(long[] stream, long separator, int context, int perBatch, Device device)
    {
        if (context < 2) throw new ArgumentException($"evaluation windows need at least 2 tokens, got a context of {context}");
        if (perBatch < 1) throw new ArgumentException($"sequences per batch must be ≥ 1, got {perBatch}");
        long full = stream.LongLength / context;
        for (long w = 0; w < full; w += perBatch)
            yield return Make(stream, w * context, (int)Math.Min(perBatch, full - w), context, separator, device);
        int rest = (int)(stream.LongLength - full * context);
        if (rest >= 2) yield return Make(stream, full * context, 1, rest, separator, device);
    }

    private static EvalBatch Make(long[] stream, long start, int sequences, int length, long separator, Device device)
    {
        using var scope = DisposeScope.Enter();
        var tokens = Tensor.From<long>(stream.AsSpan(checked((int)start), sequences * length), [sequences, length], device);  // [S, T]
        var keep = tokens.Ne(separator);                                                     // [S, T] bool
        return new EvalBatch(tokens.DetachFromScopes(), keep.DetachFromScopes());
    }
}
