// EmbeddedActivations — the embedded model's activations for trainer tests that need a real residual stream: the first
// documents of the corpus train split, harvested through the activation store (separators dropped, shuffled), the
// same for every pass with the same seed. Small enough for a test: the model has 4 layers of width 128.
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;
using InterpEval.Interp.Training;

namespace InterpEval.Interp.Tests.Training;

internal sealed class EmbeddedActivations : IDisposable
{
    public const string Hook = "blocks.2.hook_resid_post";

    private readonly long[] _tokens;
    private readonly int _eot;

    /// <param name="tokens">Tokens of the stream.</param>
    /// <param name="skipTokens">Tokens of the train split left out before the stream starts (for a held-out stream).</param>
    public EmbeddedActivations(int tokens, int skipTokens = 0)
    {
        string dir = EmbeddedAssets.ModelDirectory;
        Model = TransformerModel.Load(dir, Device.Cpu);
        var tokenizer = TokenizerLoader.Load(dir);
        _eot = tokenizer.EndOfTextId!.Value;
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var ids = new List<long>();
        foreach (var doc in corpus.Train)
        {
            if (ids.Count >= tokens + skipTokens) break;
            ids.AddRange(EmbeddedModelBuilder.Stream([doc], tokenizer, _eot));
        }
        _tokens = ids.Skip(skipTokens).Take(tokens).ToArray();
    }

    public TransformerModel Model { get; }

    /// <summary>Passes of batches of `batch` rows of the given hooks (pass p shuffled with seed p).</summary>
    public ActivationPasses Passes(int batch, params string[] hooks) => pass => new ActivationStore(Model, _tokens,
        new ActivationStoreOptions(hooks.Length == 0 ? [Hook] : hooks, ContextLength: 128, SequencesPerForward: 16,
            BufferTokens: Math.Max(2 * batch, 8192), BatchTokens: batch, ExcludeToken: _eot, Seed: (ulong)pass)).Batches();

    public void Dispose() => Model.Dispose();
}
