// TinySubject — what the suite tests measure: a tiny random GPT-2 (2 layers, d_model 16), a byte-level BPE trained on a
// few sentences with <|endoftext|>, a small corpus with a validation split, and hand-built dictionaries (perfect, zero,
// random) on its hooks. Everything is seeded and takes milliseconds.
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Suites.Tests;

internal sealed class TinySubject : IDisposable
{
    public const int DModel = 16;
    public const int Layers = 2;

    private static readonly string[] Texts =
    [
        "the cat sat on the mat and the dog sat on the log",
        "ACGTTGCAACGT GATTACA CCGGAATT",
        "def add(a, b):\n    return a + b\n",
        "Der Hund schläft unter dem Tisch.",
        "2024-05-17 and 1999-12-31 are dates",
        "{\"key\": [1, 2, 3], \"ok\": true}",
    ];

    public TinySubject(ulong seed = 3)
    {
        var vocabulary = BpeTrainer.Train(Texts, new BpeTrainerOptions { MergeCount = 40, SpecialTokens = [EmbeddedModelBuilder.EndOfText] });
        Tokenizer = new ByteLevelBpeTokenizer(vocabulary);
        Separator = Tokenizer.EndOfTextId!.Value;
        var config = new ModelConfig
        {
            ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = Tokenizer.VocabSize, DModel = DModel, NLayers = Layers, NHeads = 4,
            NKvHeads = 4, HeadDim = 4, DMlp = 64, NCtx = 32, NormEps = 1e-5, TieWordEmbeddings = true, BosTokenId = Separator, EosTokenId = Separator,
        };
        Model = TransformerModel.Initialize(config, seed, device: Device.Cpu);
        Corpus = new Corpus(Texts.Select((t, i) => new CorpusDocument($"doc{i}", "prose", "en", "test",
            i % 3 == 0 ? CorpusSplit.Train : CorpusSplit.Validation, string.Concat(Enumerable.Repeat(t + " ", 3)), [])));
    }

    public ByteLevelBpeTokenizer Tokenizer { get; }
    public int Separator { get; }
    public TransformerModel Model { get; }
    public Corpus Corpus { get; }

    public SuiteInput Input(SparseDictionary dictionary, SuiteOptions? options = null) =>
        new("tiny", dictionary, Model, Tokenizer, Corpus, options ?? new SuiteOptions(Tokens: 256, ContextLength: 24, SequencesPerBatch: 3));

    /// <summary>d_sae = 2d, W_enc = [I, −I], W_dec = [I; −I], zero biases, relu: relu(x) − relu(−x) = x exactly.</summary>
    public static SparseDictionary Perfect(string hook, int d = DModel)
    {
        using var scope = DisposeScope.Enter();
        var eye = Eye(d);
        var weights = new DictionaryWeights(Tensor.Cat([eye, -eye], 1), Tensor.Zeros([2L * d]), Tensor.Cat([eye, -eye], 0), Tensor.Zeros([(long)d]));
        return new ReluDictionary(SaeConfig(hook, 2 * d, d), Detach(weights), Device.Cpu);
    }

    /// <summary>Every weight zero: predicts 0 everywhere.</summary>
    public static SparseDictionary Zero(string hook, int d = DModel, string? hookOut = null)
    {
        using var scope = DisposeScope.Enter();
        var config = hookOut is null ? SaeConfig(hook, 8, d) : TranscoderConfig(hook, hookOut, 8, d);
        var weights = new DictionaryWeights(Tensor.Zeros([(long)d, 8]), Tensor.Zeros([8L]), Tensor.Zeros([8L, d]), Tensor.Zeros([(long)d]));
        return new ReluDictionary(config, Detach(weights), Device.Cpu);
    }

    /// <summary>A random relu dictionary (an sae, or a transcoder when hookOut is given).</summary>
    public static SparseDictionary Random(string hook, int width, ulong seed, string? hookOut = null, int d = DModel)
    {
        var config = hookOut is null ? SaeConfig(hook, width, d) : TranscoderConfig(hook, hookOut, width, d);
        return DictionaryRegistry.Create(config, seed, device: Device.Cpu);
    }

    public static DictionaryConfig SaeConfig(string hook, int width, int d) =>
        new() { Architecture = "relu", DIn = d, DSae = width, HookName = hook };

    public static DictionaryConfig TranscoderConfig(string hook, string hookOut, int width, int d) =>
        new() { Architecture = "relu", Kind = DictionaryKind.Transcoder, DIn = d, DSae = width, DOut = d, HookName = hook, HookNameOut = hookOut };

    public static Tensor Eye(int d)
    {
        var values = new float[d * d];
        for (int i = 0; i < d; i++) values[i * d + i] = 1;
        return Tensor.From(values, d, d);
    }

    private static DictionaryWeights Detach(DictionaryWeights w) => new(w.WEnc.DetachFromScopes(), w.BEnc.DetachFromScopes(),
        w.WDec.DetachFromScopes(), w.BDec.DetachFromScopes());

    public void Dispose() => Model.Dispose();
}
