// SuiteInput — what a suite measures: the subject (a dictionary and its id), the subject model and tokenizer it was
// trained on, the labelled corpus, and the options every suite shares. It loads nothing itself: the caller (the `eval`
// command, the harness) builds it and owns (disposes) what it holds.
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

/// <param name="Subject">The dictionary's id in metric records (stable across runs).</param>
/// <param name="Dictionary">The dictionary measured.</param>
/// <param name="Model">The subject model (null when only model-free suites run, e.g. ground-truth).</param>
/// <param name="Tokenizer">The model's tokenizer.</param>
/// <param name="Corpus">The labelled corpus (evaluation uses its validation split).</param>
/// <param name="Options">Options every suite shares.</param>
public sealed record SuiteInput(
    string Subject,
    SparseDictionary Dictionary,
    TransformerModel? Model,
    ITokenizer? Tokenizer,
    Corpus? Corpus,
    SuiteOptions Options)
{
    /// <summary>One transcoder per layer (index = layer, each reading blocks.{l}.ln2.hook_normalized and predicting
    /// blocks.{l}.hook_mlp_out), for the full replacement model (every MLP replaced at once) in the fidelity suite; null
    /// when the caller has no such set. The caller owns them.</summary>
    public IReadOnlyList<SparseDictionary>? LayerTranscoders { get; init; }
}

/// <summary>The suites' shared options. They hold no defaults of their own (the run config's profile and the `eval`
/// command give them); only the seed defaults to 0.</summary>
/// <param name="Tokens">Evaluation tokens per suite (before BOS/separator positions are dropped).</param>
/// <param name="ContextLength">Tokens per evaluation sequence (≤ the model's context).</param>
/// <param name="SequencesPerBatch">Sequences per forward pass.</param>
/// <param name="Seed">Seed for every random choice a suite makes (sampling, probe splits, generation).</param>
public sealed record SuiteOptions(int Tokens, int ContextLength, int SequencesPerBatch, ulong Seed = 0);
