// CltSuiteInput — what a suite measures on a cross-layer transcoder: the CLT and its id, the subject model and tokenizer,
// the corpus and the shared options, and the per-layer statistics every suite reads from one pass (computed on first
// use, so reconstruction and sparsity share it). It loads nothing and owns nothing: the caller disposes the CLT.
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites;

/// <param name="Subject">The CLT's id in metric records.</param>
public sealed record CltSuiteInput(string Subject, CrossLayerTranscoder Clt, TransformerModel Model, ITokenizer Tokenizer, Corpus Corpus, SuiteOptions Options)
{
    private (ReconstructionStats[] Reconstruction, SparsityStats[] Sparsity)? _layers;

    /// <summary>Why the CLT does not fit the model (no suite can measure it then); null when it does.</summary>
    public string? Problem => CltEvaluation.Problem(Clt, Model);

    /// <summary>Per-layer reconstruction and sparsity statistics over the evaluation batches (one pass, kept).</summary>
    public (ReconstructionStats[] Reconstruction, SparsityStats[] Sparsity) Layers(CancellationToken cancellation = default) =>
        _layers ??= CltEvaluation.MeasureLayers(Clt, Model, CltEvaluation.Batches(Model, Tokenizer, Corpus, Options), cancellation);
}
