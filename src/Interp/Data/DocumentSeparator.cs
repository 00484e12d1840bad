// DocumentSeparator — the one rule for the token between documents and at the start of windows, used by training,
// evaluation, probes, steering and the feature browser: the model's BOS id when its config names one, else the
// tokenizer's <|endoftext|>. Whether windows start with BOS follows from the model too: a tokenizer that adds BOS
// (Llama, Gemma, Mistral: bos_token_id ≠ eos_token_id) gets BOS at position 0 of every window; GPT-2-style models
// (bos = eos = <|endoftext|>, or no BOS) do not. It decides ids; the windows themselves are cut by their users.
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Data;

/// <param name="Id">The separator token: precedes every document in a stream; its positions are never trained on or scored.</param>
/// <param name="PrependToWindows">Whether every window starts with it (the model was trained with BOS at position 0).</param>
public sealed record DocumentSeparator(long Id, bool PrependToWindows)
{
    /// <summary>The separator of a model with its tokenizer (either may be missing the id, not both).</summary>
    public static DocumentSeparator For(ModelConfig model, ITokenizer? tokenizer) => TryFor(model, tokenizer)
        ?? throw new InvalidDataException("neither the model's config (bos_token_id) nor its tokenizer (<|endoftext|>) names a token to separate documents");

    /// <summary>The separator, or null when neither the model nor the tokenizer names one.</summary>
    public static DocumentSeparator? TryFor(ModelConfig model, ITokenizer? tokenizer)
    {
        int? id = model.BosTokenId ?? tokenizer?.EndOfTextId;
        if (id is not int separator) return null;
        bool prepend = model.BosTokenId is int bos && model.EosTokenId is int eos && bos != eos;
        return new DocumentSeparator(separator, prepend);
    }

    /// <summary>The separator id as the token labeller takes it, or null.</summary>
    public static int? IdOrNull(ModelConfig model, ITokenizer? tokenizer) => (int?)TryFor(model, tokenizer)?.Id;
}
