// EmbeddedSubject — the embedded model, its tokenizer and corpus, loaded once for the suite tests, and small random
// dictionaries on its hooks (the suites' arithmetic is checked on hand cases; these tests check the plumbing).
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites.Tests;

internal static class EmbeddedSubject
{
    private static readonly Lazy<TransformerModel> LazyModel = new(() => TransformerModel.Load(EmbeddedAssets.ModelDirectory, device: Device.Cpu));
    private static readonly Lazy<ByteLevelBpeTokenizer> LazyTokenizer = new(() => ByteLevelBpeTokenizer.Load(EmbeddedAssets.ModelDirectory));
    private static readonly Lazy<Corpus> LazyCorpus = new(() => Corpus.Load(EmbeddedAssets.CorpusPath));

    public static TransformerModel Model => LazyModel.Value;
    public static ByteLevelBpeTokenizer Tokenizer => LazyTokenizer.Value;
    public static Corpus Corpus => LazyCorpus.Value;

    /// <summary>A random dictionary reading blocks.1 (an sae on hook_resid_post, or a transcoder on the MLP).</summary>
    public static SparseDictionary Dictionary(DictionaryKind kind = DictionaryKind.Sae, int latents = 64, string architecture = "relu")
    {
        var config = new DictionaryConfig
        {
            Architecture = architecture, Kind = kind, DIn = 128, DSae = latents, K = architecture == "topk" ? 8 : null,
            ModelName = "embedded",
            HookName = kind == DictionaryKind.Sae ? "blocks.1.hook_resid_post" : "blocks.1.ln2.hook_normalized", HookLayer = 1,
            HookNameOut = kind == DictionaryKind.Sae ? null : "blocks.1.hook_mlp_out", HookLayerOut = kind == DictionaryKind.Sae ? null : 1,
        };
        return DictionaryRegistry.Create(config, seed: 11, device: Device.Cpu);
    }

    public static SuiteInput Input(SparseDictionary dictionary, int tokens = 2048) =>
        new("test-dict", dictionary, Model, Tokenizer, Corpus, new SuiteOptions(Tokens: tokens, ContextLength: 128, SequencesPerBatch: 8, Seed: 1));
}
