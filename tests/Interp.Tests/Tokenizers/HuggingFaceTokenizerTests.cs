// HuggingFaceTokenizer components on small hand-built tokenizer.json files with hand-worked ids, Unicode normalization
// against Python's unicodedata (values pasted from Python 3.11, Unicode 14), and the one-line faults for unknown
// component types and uncompilable regexes.
using System.Text;
using System.Text.Json.Nodes;
using InterpEval.Interp.Tokenizers;
using InterpEval.Interp.Tokenizers.Pipeline;

namespace InterpEval.Interp.Tests.Tokenizers;

public sealed class HuggingFaceTokenizerTests
{
    private string dir = null!;

    [SetUp] public void MakeDir() => dir = Directory.CreateTempSubdirectory("ie-hf-tok-").FullName;
    [TearDown] public void RemoveDir() => Directory.Delete(dir, recursive: true);

    private const string Sample = "cafe\u0301 \u1e9b\u0323 \ufb01 \u2460 \uac00\u11a8 \u1100\u1161 \u212b \u0041\u030a\u0301 \u0071\u0307\u0323";

    [TestCase(NormalizationForm.FormC, "caf\u00e9 \u1e9b\u0323 \ufb01 \u2460 \uac01 \uac00 \u00c5 \u01fa q\u0323\u0307")]
    [TestCase(NormalizationForm.FormD, "cafe\u0301 \u017f\u0323\u0307 \ufb01 \u2460 \u1100\u1161\u11a8 \u1100\u1161 A\u030a A\u030a\u0301 q\u0323\u0307")]
    [TestCase(NormalizationForm.FormKC, "caf\u00e9 \u1e69 fi 1 \uac01 \uac00 \u00c5 \u01fa q\u0323\u0307")]
    [TestCase(NormalizationForm.FormKD, "cafe\u0301 s\u0323\u0307 fi 1 \u1100\u1161\u11a8 \u1100\u1161 A\u030a A\u030a\u0301 q\u0323\u0307")]
    public void Unicode_normalization_matches_python(NormalizationForm form, string expected) =>
        Assert.That(UnicodeNormalization.Normalize(Sample, form), Is.EqualTo(expected));

    // Vocabulary: the letters a–e, ▁, "ab", "▁a", "<0x21>" ('!'), "<unk>", "<s>"; merges a b, ▁ a.
    private string Write(JsonNode? normalizer, JsonNode? preTokenizer, JsonNode? decoder = null, JsonNode? post = null,
        bool byteFallback = true, string? unk = "<unk>", JsonArray? added = null)
    {
        var vocab = new JsonObject();
        string[] tokens = ["<unk>", "<s>", "a", "b", "c", "d", "e", "\u2581", "ab", "\u2581a", "<0x21>", " "];
        for (int i = 0; i < tokens.Length; i++) vocab[tokens[i]] = i;
        var json = new JsonObject
        {
            ["added_tokens"] = added ?? new JsonArray(new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true, ["normalized"] = false }),
            ["normalizer"] = normalizer, ["pre_tokenizer"] = preTokenizer, ["post_processor"] = post, ["decoder"] = decoder,
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["unk_token"] = unk, ["byte_fallback"] = byteFallback, ["fuse_unk"] = true, ["vocab"] = vocab,
                ["merges"] = new JsonArray("a b", new JsonArray("\u2581", "a")),
            },
        };
        string path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject Type(string type, params (string Key, JsonNode? Value)[] fields)
    {
        var o = new JsonObject { ["type"] = type };
        foreach (var (k, v) in fields) o[k] = v;
        return o;
    }

    [Test]
    public void Metaspace_style_pipeline_with_byte_fallback_unk_and_template()
    {
        string path = Write(Type("Replace", ("pattern", new JsonObject { ["String"] = " " }), ("content", "\u2581")), null,
            Type("Sequence", ("decoders", new JsonArray(Type("Replace", ("pattern", new JsonObject { ["String"] = "\u2581" }), ("content", " ")),
                Type("ByteFallback"), Type("Fuse")))),
            Type("TemplateProcessing", ("single", new JsonArray(new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>" } },
                new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A" } })),
                ("special_tokens", new JsonObject { ["<s>"] = new JsonObject { ["ids"] = new JsonArray(1) } })));
        var t = TokenizerLoader.Load(path);
        // "ab a!xyz<s>c": ab | ▁a | ! → <0x21> | x y z unknown, fused into one <unk> | <s> | c
        Assert.That(t.Encode("ab a!xyz<s>c"), Is.EqualTo(new[] { 8, 9, 10, 0, 1, 4 }));
        Assert.That(t.Encode("ab<s>", recognizeSpecialTokens: false), Is.EqualTo(new[] { 8, 0 }), "<, s, > are unknown and fused into one <unk>");
        Assert.That(t.EncodeWithSpecialTokens("ab"), Is.EqualTo(new[] { 1, 8 }));
        Assert.That(t.Decode([8, 9, 10]), Is.EqualTo("ab a!"));
        Assert.That(t.TokenText(9), Is.EqualTo(" a"));
    }

    [TestCase("Isolated", false, new[] { "a", "b", "c", "b", "a" })]
    [TestCase("Removed", false, new[] { "a", "c", "a" })]
    [TestCase("MergedWithPrevious", false, new[] { "ab", "cb", "a" })]
    [TestCase("MergedWithNext", false, new[] { "a", "bc", "ba" })]
    [TestCase("Contiguous", false, new[] { "a", "b", "c", "b", "a" })]
    [TestCase("Removed", true, new[] { "b", "b" })]
    public void Split_behaviours_follow_the_tokenizers_library(string behavior, bool invert, string[] pieces)
    {
        var split = new SplitPreTokenizer(Splitting.Literal("b"), Enum.Parse<SplitBehavior>(behavior), invert);
        Assert.That(split.Split([new Piece("abcba", true)]).Select(p => p.Text), Is.EqualTo(pieces));
    }

    [Test]
    public void Contiguous_joins_adjacent_matches_and_digits_split_runs()
    {
        var split = new SplitPreTokenizer(Splitting.Chars(r => r.Value == 'b'), SplitBehavior.Contiguous, false);
        Assert.That(split.Split([new Piece("abbcb", true)]).Select(p => p.Text), Is.EqualTo(new[] { "a", "bb", "c", "b" }));
        Assert.That(new DigitsPreTokenizer(false).Split([new Piece("a123b4", true)]).Select(p => p.Text), Is.EqualTo(new[] { "a", "123", "b", "4" }));
        Assert.That(new DigitsPreTokenizer(true).Split([new Piece("a12", true)]).Select(p => p.Text), Is.EqualTo(new[] { "a", "1", "2" }));
    }

    [Test]
    public void Metaspace_prepend_schemes()
    {
        List<Piece> Run(PrependScheme s) => new MetaspacePreTokenizer("\u2581", s, true).Split([new Piece("a b", true), new Piece("c", false)]);
        Assert.That(Run(PrependScheme.Always).Select(p => p.Text), Is.EqualTo(new[] { "\u2581a", "\u2581b", "\u2581c" }));
        Assert.That(Run(PrependScheme.First).Select(p => p.Text), Is.EqualTo(new[] { "\u2581a", "\u2581b", "c" }));
        Assert.That(Run(PrependScheme.Never).Select(p => p.Text), Is.EqualTo(new[] { "a", "\u2581b", "c" }));
    }

    [Test]
    public void Whitespace_and_punctuation_pre_tokenizers()
    {
        Assert.That(new WhitespacePreTokenizer().Split([new Piece("Hi, you!  x_1", true)]).Select(p => p.Text), Is.EqualTo(new[] { "Hi", ",", "you", "!", "x_1" }));
        Assert.That(new PunctuationPreTokenizer(SplitBehavior.Isolated).Split([new Piece("a,b—c", true)]).Select(p => p.Text), Is.EqualTo(new[] { "a", ",", "b", "—", "c" }));
    }

    [Test]
    public void Regex_split_matches_astral_letters_as_letters()
    {
        var regex = new UnicodeRegex(@"\p{L}+|\p{N}+|[^\p{L}\p{N}]+", "test");
        var pieces = new SplitPreTokenizer(regex.Matches, SplitBehavior.Isolated, false).Split([new Piece("a𝐀b𝟘1 😀", true)]);
        Assert.That(pieces.Select(p => p.Text), Is.EqualTo(new[] { "a𝐀b", "𝟘1", " 😀" }), ".NET alone would split 𝐀 off its word");
    }

    [Test]
    public void Added_token_flags_strip_and_single_word()
    {
        var added = new JsonArray(new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true, ["lstrip"] = true, ["rstrip"] = true, ["normalized"] = false },
            new JsonObject { ["id"] = 4, ["content"] = "c", ["single_word"] = true, ["special"] = false, ["normalized"] = false });
        var t = TokenizerLoader.Load(Write(null, Type("WhitespaceSplit"), added: added));
        Assert.That(t.Encode("a  <s>  b"), Is.EqualTo(new[] { 2, 1, 3 }), "lstrip/rstrip swallow the spaces");
        Assert.That(t.Encode("c ac"), Is.EqualTo(new[] { 4, 2, 4 }), "single-word c matches alone; inside 'ac' the model's c");
    }

    [Test]
    public void Unknown_types_name_the_type_and_the_file()
    {
        string path = Write(null, Type("Sequence", ("pretokenizers", new JsonArray(Type("Digits"), Type("Frobnicate")))));
        var e = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}: pre_tokenizer.pretokenizers[1]: type Frobnicate is not supported — expected one of ByteLevel,"));
        path = Write(Type("BertNormalizerX"), null);
        Assert.That(Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(path))!.Message, Does.StartWith($"{path}: normalizer: type BertNormalizerX is not supported"));
        File.WriteAllText(path, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        Assert.That(Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(path))!.Message, Is.EqualTo($"{path}: model: type Unigram is not supported — expected BPE"));
    }

    [Test]
    public void A_regex_dotnet_cannot_compile_names_the_pattern()
    {
        string path = Write(null, Type("Split", ("pattern", new JsonObject { ["Regex"] = "a++(" }), ("behavior", "Isolated")));
        var e = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(path))!;
        Assert.That(e.Message, Does.StartWith($"{path}: pre_tokenizer.pattern: regex \"a++(\" does not compile in .NET ("));
    }
}
