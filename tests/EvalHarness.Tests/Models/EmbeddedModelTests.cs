// The embedded default end to end: found without a path, described by `model info`, its tokenizer round-trips corpus
// text, and it predicts held-out text better than a unigram model (what docs/embedded-model.md reports).
using System.Text.Json.Nodes;
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Models.Training;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Harness.Tests.Models;

public class EmbeddedModelTests
{
    [Test]
    public void ModelInfoNeedsNoPath()
    {
        var r = CliRunner.Run("model", "info", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.That((string)json["model_type"]!, Is.EqualTo("gpt2"));
        Assert.That((int)json["n_layers"]!, Is.EqualTo(4));
        Assert.That((int)json["d_model"]!, Is.EqualTo(128));
        Assert.That((int)json["n_ctx"]!, Is.EqualTo(128));
    }

    [Test]
    public void TokenizerRoundTripsCorpusTextAndMatchesTheCli()
    {
        var tokenizer = ByteLevelBpeTokenizer.Load(EmbeddedAssets.ModelDirectory);
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        foreach (var doc in corpus.Validation.GroupBy(d => d.Domain).Select(g => g.First()))
            Assert.That(tokenizer.Decode(tokenizer.Encode(doc.Text)), Is.EqualTo(doc.Text), doc.Id);
        var r = CliRunner.Run("tokenize", "--text", "The year 1832 began.", "--json");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(JsonNode.Parse(r.Stdout)!.AsArray().Select(n => (int)n!), Is.EqualTo(tokenizer.Encode("The year 1832 began.")));
    }

    [Test]
    public void PredictsHeldOutProseBetterThanUnigram()
    {
        var tokenizer = ByteLevelBpeTokenizer.Load(EmbeddedAssets.ModelDirectory);
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        int eot = tokenizer.EndOfTextId!.Value;
        var prose = corpus.Validation.Where(d => d.Domain == "prose").Take(8).Select(d => EmbeddedModelBuilder.Stream([d], tokenizer, eot)).ToList();
        var train = EmbeddedModelBuilder.Stream(corpus.Train.Where(d => d.Domain == "prose").Take(200), tokenizer, eot);
        using var model = TransformerModel.Load(EmbeddedAssets.ModelDirectory, device: InterpEval.Torch.Device.Cpu);
        double loss = LanguageModelEvaluator.MeanLoss(model, prose, model.Config.NCtx);
        double unigram = LanguageModelEvaluator.UnigramLoss(train, prose, model.Config.VocabSize);
        Assert.That(loss, Is.LessThan(unigram - 1), $"model {loss:F3} vs unigram {unigram:F3} nats/token");
    }
}
