// CorpusSplit — the held-out partition a corpus document belongs to. The builder chooses it from a hash of the
// document id (docs/corpus.md); nothing here recomputes it.
namespace InterpEval.Interp.Data;

public enum CorpusSplit
{
    Train,
    Validation,
}
