// EvalTokens — the token windows every model-based suite evaluates on: the corpus VALIDATION split, tokenized with the
// model's tokenizer, each document preceded by the end-of-text separator (as EmbeddedModelBuilder.Stream joins the
// training stream), cut into consecutive windows of the context length, at most SuiteOptions.Tokens tokens (counted
// before separator positions are dropped). Documents are tokenized only until the budget is met. No shuffling. As in
// training (TrainingRecipe), a model whose tokenizer adds BOS gets BOS at position 0 of every window, and no metric
// counts a separator position or position 0 of a window (cut mid-document, or BOS: the attention sink, whose residual
// norm is many times the typical one).
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

    /// <summary>The separator/BOS id (DocumentSeparator's rule: the model's BOS, else the tokenizer's &lt;|endoftext|&gt;).</summary>
    public static long Separator(ITokenizer tokenizer, TransformerModel model) => DocumentSeparator.For(model.Config, tokenizer).Id;

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
        var separator = DocumentSeparator.For(model.Config, tokenizer);
        var stream = ValidationStream(corpus, tokenizer, separator.Id, input.Options.Tokens);
        int context = Math.Min(input.Options.ContextLength, model.Config.NCtx);
        return Batches(stream, separator.Id, context, input.Options.SequencesPerBatch, model.Device, separator.PrependToWindows);
    }

    /// <summary>Consecutive windows of `context` tokens (with prependSeparator: the separator, then context − 1 stream
    /// tokens), `perBatch` at a time; a final shorter window (≥ 2 tokens) is its own batch. Separator positions and
    /// position 0 of every window are not kept. Each batch is created outside every dispose scope; the caller disposes it.</summary>
    public static IEnumerable<EvalBatch> Batches(long[] stream, long separator, int context, int perBatch, Device device, bool prependSeparator = false)
    {
        if (context < 2 + (prependSeparator ? 1 : 0)) throw new ArgumentException($"evaluation windows need at least 2 tokens, got a context of {context}");
        if (perBatch < 1) throw new ArgumentException($"sequences per batch must be ≥ 1, got {perBatch}");
        int stride = context - (prependSeparator ? 1 : 0);
        long full = stream.LongLength / stride;
        for (long w = 0; w < full; w += perBatch)
            yield return Make(stream, w * stride, (int)Math.Min(perBatch, full - w), stride, separator, prependSeparator, device);
        int rest = (int)(stream.LongLength - full * stride);
        if (rest >= 2) yield return Make(stream, full * stride, 1, rest, separator, prependSeparator, device);
    }

    private static EvalBatch Make(long[] stream, long start, int sequences, int stride, long separator, bool prepend, Device device)
    {
        using var scope = DisposeScope.Enter();
        int length = stride + (prepend ? 1 : 0);
        var ids = new long[sequences * length];
        for (int s = 0; s < sequences; s++)
        {
            if (prepend) ids[s * length] = separator;
            stream.AsSpan(checked((int)(start + (long)s * stride)), stride).CopyTo(ids.AsSpan(s * length + length - stride, stride));
        }
        var tokens = Tensor.From<long>(ids, [sequences, length], device);                   // [S, T]
        var keep = tokens.Ne(separator);                                                     // [S, T] bool
        keep.Narrow(1, 0, 1).Fill_(0);                                                       // position 0: mid-document cut or BOS
        return new EvalBatch(tokens.DetachFromScopes(), keep.DetachFromScopes());
    }
}
