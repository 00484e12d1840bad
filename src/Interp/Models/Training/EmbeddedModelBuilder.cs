// EmbeddedModelBuilder — builds the embedded default from a corpus: trains the byte-level BPE, tokenises the train
// split into one stream (documents joined by <|endoftext|>), trains a small GPT-2 from a seed, evaluates held-out
// loss per domain next to a unigram baseline, and saves a Hugging Face directory with the tokenizer beside the
// weights. Deterministic for a seed and thread count.
using System.Diagnostics;
using InterpEval.Interp.Data;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Models.Training;

/// <summary>The embedded model's shape and training budget (DESIGN §6: ~4 layers, d_model 128, d_mlp 512, 4 heads, context 128).</summary>
public sealed record EmbeddedModelRecipe(
    int Merges = 4000,
    int DModel = 128,
    int Layers = 4,
    int Heads = 4,
    int DMlp = 512,
    int Context = 128,
    ulong Seed = 0,
    LanguageModelTrainingOptions? Training = null)
{
    public LanguageModelTrainingOptions TrainingOptions => (Training ?? new LanguageModelTrainingOptions()) with { ContextLength = Context, Seed = Seed };
}

/// <summary>Held-out loss (nats/token) of the model and of a unigram baseline, for one domain or all.</summary>
public sealed record DomainLoss(string Domain, long Tokens, double ModelLoss, double UnigramLoss);

public sealed record EmbeddedModelReport(int VocabSize, long ParameterCount, long TrainTokens, int Steps, double FinalTrainLoss,
    TimeSpan Elapsed, IReadOnlyList<DomainLoss> Validation);

public static class EmbeddedModelBuilder
{
    public const string EndOfText = "<|endoftext|>";

    public static EmbeddedModelReport Build(Corpus corpus, EmbeddedModelRecipe recipe, string outDir, Device device, IProgress<TrainingStep>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var vocabulary = BpeTrainer.Train(corpus.Train.Select(d => d.Text), new BpeTrainerOptions { MergeCount = recipe.Merges, SpecialTokens = [EndOfText] });
        var tokenizer = new ByteLevelBpeTokenizer(vocabulary);
        int eot = tokenizer.EndOfTextId ?? throw new InvalidOperationException("the trained vocabulary has no <|endoftext|> token");
        long[] stream = Stream(corpus.Train, tokenizer, eot);

        var config = new ModelConfig
        {
            ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = tokenizer.VocabSize, DModel = recipe.DModel, NLayers = recipe.Layers,
            NHeads = recipe.Heads, NKvHeads = recipe.Heads, HeadDim = recipe.DModel / recipe.Heads, DMlp = recipe.DMlp, NCtx = recipe.Context,
            NormEps = 1e-5, TieWordEmbeddings = true, BosTokenId = eot, EosTokenId = eot,
        };
        using var model = TransformerModel.Initialize(config, recipe.Seed, device);
        var losses = LanguageModelTrainer.Train(model, stream, recipe.TrainingOptions, progress);
        var validation = Evaluate(model, corpus, tokenizer, eot, stream);

        Directory.CreateDirectory(outDir);
        model.Save(outDir);
        HuggingFaceTokenizerFormat.Write(tokenizer, Path.Combine(outDir, "tokenizer.json"));
        VocabMergesFormat.Write(tokenizer, Path.Combine(outDir, "vocab.json"), Path.Combine(outDir, "merges.txt"));
        return new EmbeddedModelReport(tokenizer.VocabSize, model.ParameterCount, stream.LongLength, losses.Count,
            losses.Skip(Math.Max(0, losses.Count - 50)).Average(), clock.Elapsed, validation);
    }

    /// <summary>Token ids of the documents, each preceded by &lt;|endoftext|&gt; (GPT-2's document separator).</summary>
    public static long[] Stream(IEnumerable<CorpusDocument> documents, ITokenizer tokenizer, int eot)
    {
        var ids = new List<int>();
        foreach (var doc in documents)
        {
            ids.Add(eot);
            tokenizer.Encode(doc.Text, ids, recognizeSpecialTokens: false);
        }
        return ids.Select(i => (long)i).ToArray();
    }

    private static IReadOnlyList<DomainLoss> Evaluate(TransformerModel model, Corpus corpus, ByteLevelBpeTokenizer tokenizer, int eot, long[] trainStream)
    {
        var byDomain = corpus.Validation.GroupBy(d => d.Domain).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Domain: g.Key, Sequences: g.Select(d => Stream([d], tokenizer, eot)).ToList())).ToList();
        byDomain.Add(("all", byDomain.SelectMany(g => g.Sequences).ToList()));
        return byDomain.Select(g => new DomainLoss(g.Domain, g.Sequences.Sum(s => (long)s.Length - 1),
            LanguageModelEvaluator.MeanLoss(model, g.Sequences, model.Config.NCtx),
            LanguageModelEvaluator.UnigramLoss(trainStream, g.Sequences, model.Config.VocabSize))).ToList();
    }
}
