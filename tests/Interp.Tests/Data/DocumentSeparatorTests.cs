// The one separator rule: the model's BOS, else the tokenizer's <|endoftext|>; BOS prepended to windows only when the
// model's BOS differs from its EOS (a tokenizer that adds BOS).
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tests.Models;

namespace InterpEval.Interp.Tests.Data;

public class DocumentSeparatorTests
{
    private static ModelConfig Config(int? bos, int? eos) => ModelConfig.Parse(TinyModels.Gpt2Config(), "config.json") with { BosTokenId = bos, EosTokenId = eos };

    [Test]
    public void BosWinsAndIsPrependedOnlyWhenItDiffersFromEos()
    {
        Assert.That(DocumentSeparator.For(Config(7, 7), null), Is.EqualTo(new DocumentSeparator(7, false)), "GPT-2: bos = eos = <|endoftext|>");
        Assert.That(DocumentSeparator.For(Config(1, 2), null), Is.EqualTo(new DocumentSeparator(1, true)), "Llama/Gemma: the tokenizer adds BOS");
        Assert.That(DocumentSeparator.TryFor(Config(null, null), null), Is.Null);
        Assert.That(() => DocumentSeparator.For(Config(null, null), null), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("bos_token_id"));
    }
}
