// Token labels: byte offsets that tile the text, spans carried onto tokens by byte overlap (hand-built offsets and a
// brute-force twin on the embedded tokenizer), language concepts, the exact rules for generated text, and labels from
// P(concept | token id).
using System.Text;
using InterpEval.Interp.Data;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Data;

public class TokenLabelTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> Embedded = new(() => ByteLevelBpeTokenizer.Load(EmbeddedAssets.ModelDirectory));
    private static readonly ConceptSet Concepts = new(["dna", "hex", "german"]);

    private static CorpusDocument Doc(string text, string? language, params LabelSpan[] spans) =>
        new("test:1", "prose", language, "test", CorpusSplit.Train, text, spans);

    [Test]
    public void OffsetsTileTheUtf8Text()
    {
        const string text = "Grüße aus Köln — 北京 ACGTTGCA 0x3fa9\n";
        var offsets = Embedded.Value.EncodeWithOffsets(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        Assert.That(offsets.Ids, Is.EqualTo(Embedded.Value.Encode(text, recognizeSpecialTokens: false)));
        Assert.That(offsets.Starts[0], Is.EqualTo(0));
        Assert.That(offsets.Ends[^1], Is.EqualTo(utf8.Length));
        for (int t = 0; t < offsets.Count; t++)
        {
            if (t > 0) Assert.That(offsets.Starts[t], Is.EqualTo(offsets.Ends[t - 1]), $"token {t} starts where {t - 1} ends");
            Assert.That(utf8[offsets.Starts[t]..offsets.Ends[t]], Is.EqualTo(Embedded.Value.Vocabulary.TokenBytes(offsets.Ids[t]).ToArray()));
        }
    }

    [Test]
    public void SpanLabelsGoToEveryTokenSharingAByte()
    {
        // Tokens [0,3) [3,5) [5,9) [9,10); span dna [4,6) touches tokens 1 and 2; hex [0,3) only token 0; hex [9,10) token 3.
        var offsets = new TokenOffsets([1, 2, 3, 4], [0, 3, 5, 9], [3, 5, 9, 10]);
        var doc = Doc("abcdefghij", null, new LabelSpan(0, 3, "hex"), new LabelSpan(4, 6, "dna"), new LabelSpan(9, 10, "hex"));
        var masks = new TokenLabeller(Embedded.Value, Concepts).Label(doc, offsets);
        Assert.That(masks.Select(m => string.Join("+", Concepts.NamesIn(m))), Is.EqualTo(new[] { "hex", "dna", "dna", "hex" }));
    }

    [Test]
    public void DocumentLanguageLabelsEveryToken()
    {
        var doc = Doc("Guten Tag, ACGTACGT", "de", new LabelSpan(11, 19, "dna"));
        var labeller = new TokenLabeller(Embedded.Value, Concepts);
        var masks = labeller.Label(doc, Embedded.Value.EncodeWithOffsets(doc.Text));
        Assert.That(masks.All(m => (m & Concepts.Bit("german")) != 0), Is.True);
        Assert.That(masks.Any(m => (m & Concepts.Bit("dna")) != 0), Is.True);
        Assert.That((masks[0] & Concepts.Bit("dna")) == 0, Is.True, "the first token (Gut…) is not DNA");
    }

    [Test]
    public void OverlapRuleMatchesBruteForceOnTheEmbeddedCorpus()
    {
        var corpus = Corpus.Load(EmbeddedAssets.CorpusPath);
        var concepts = ConceptSet.ForCorpus(corpus);
        var labeller = new TokenLabeller(Embedded.Value, concepts);
        foreach (var doc in corpus.Validation.Where(d => d.Spans.Count > 0).Take(20))
        {
            var offsets = Embedded.Value.EncodeWithOffsets(doc.Text);
            var masks = labeller.Label(doc, offsets);
            for (int t = 0; t < offsets.Count; t++)
            {
                ulong expected = doc.Language is { } l && ConceptSet.LanguageConcept(l) is { } name ? concepts.Bit(name) : 0;
                foreach (var s in doc.Spans)
                    if (s.StartByte < offsets.Ends[t] && offsets.Starts[t] < s.EndByte) expected |= concepts.Bit(s.Label);
                Assert.That(masks[t], Is.EqualTo(expected), $"{doc.Id} token {t}");
            }
        }
        Assert.That(concepts.Names, Does.Contain("dna").And.Contain("german").And.Contain("json_key"));
    }

    [Test]
    public void StreamPutsAnUnlabelledSeparatorBeforeEachDocumentAndStopsAtTheCap()
    {
        var labeller = new TokenLabeller(Embedded.Value, Concepts);
        var stream = labeller.Stream([Doc("ACGT", null, new LabelSpan(0, 4, "dna")), Doc("Hallo Welt", "de")], separator: 7);
        Assert.That(stream.Ids[0], Is.EqualTo(7));
        Assert.That(stream.IsSeparator.Count(s => s), Is.EqualTo(2));
        Assert.That(stream.Masks.Where((_, i) => stream.IsSeparator[i]), Is.All.EqualTo(0UL));
        Assert.That(stream.CountsPerConcept()[Concepts.IndexOf("dna")], Is.GreaterThan(0));
        Assert.That(labeller.Stream([Doc("Hallo Welt und so weiter", "de")], 7, maxTokens: 3).Count, Is.EqualTo(3));
    }

    [TestCase("dna", "x ACGTACGTAA y ACGT z", "ACGTACGTAA")]
    [TestCase("hex", "id 3fa9c2e1 and deadbeef and 123456 and 0x7f3A", "3fa9c2e1")]
    [TestCase("base64", "key aGVsbG8gd29ybGQhIQ== end", "aGVsbG8gd29ybGQhIQ==")]
    public void RulesFindExactlyTheirForm(string concept, string text, string expected)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var found = ConceptRules.Find(concept, utf8).Select(m => Encoding.UTF8.GetString(utf8[m.Start..m.End])).ToArray();
        Assert.That(found, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void GeneratedTextIsLabelledByRuleOrByTokenStatistics()
    {
        var tokenizer = Embedded.Value;
        // Statistics: token a carries german 9 times of 10, token b 1 time of 10, token c seen twice (below MinCount 5).
        int a = tokenizer.Encode(" und")[0], b = tokenizer.Encode(" the")[0], c = tokenizer.Encode(" Welt")[0];
        var ids = new List<long>();
        var masks = new List<ulong>();
        for (int i = 0; i < 10; i++) { ids.Add(a); masks.Add(i < 9 ? Concepts.Bit("german") : 0); }
        for (int i = 0; i < 10; i++) { ids.Add(b); masks.Add(i < 1 ? Concepts.Bit("german") : 0); }
        for (int i = 0; i < 2; i++) { ids.Add(c); masks.Add(Concepts.Bit("german")); }
        var stats = new TokenConceptStatistics(new LabelledTokens(ids.ToArray(), masks.ToArray(), new bool[ids.Count], Concepts), tokenizer.VocabSize);
        Assert.That(stats.Probability(a, Concepts.IndexOf("german")), Is.EqualTo(0.9).Within(1e-12));
        var labeller = new GeneratedTextLabeller(tokenizer, stats);
        Assert.That(labeller.Label([a, b, c], "german"), Is.EqualTo(new[] { true, false, false }));

        var dna = tokenizer.Encode(" hello ACGTTGCAAC world").Select(i => (long)i).ToArray();
        var carries = labeller.Label(dna, "dna");
        string carried = tokenizer.Decode(dna.Where((_, i) => carries[i]).Select(i => (int)i).ToArray());
        Assert.That(carried.Trim(), Is.EqualTo("ACGTTGCAAC"));
        Assert.That(labeller.Rate(dna, "dna"), Is.EqualTo(carries.Count(x => x) / (double)dna.Length));
    }
}
