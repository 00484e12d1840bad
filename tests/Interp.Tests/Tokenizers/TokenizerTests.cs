// Tokenizer pieces without GPT-2's files: the byte table, the pre-tokenizer against .NET Regex (its slow twin on
// BMP text) and hand-worked splits, the fast merge loop against OpenAI's, decoding, special tokens, options.
using System.Text;
using System.Text.RegularExpressions;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Tokenizers;

[TestFixture]
public sealed class TokenizerTests
{
    // Unicode White_Space, which Python's `regex` matches with \s (listed from it, code point by code point).
    private static readonly int[] whiteSpace =
    [
        0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
        0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    [Test]
    public void Byte_table_matches_bytes_to_unicode()
    {
        Assert.That(ByteUnicodeMap.ToChar((byte)' '), Is.EqualTo('Ġ'));
        Assert.That(ByteUnicodeMap.ToChar((byte)'\n'), Is.EqualTo('Ċ'));
        Assert.That(ByteUnicodeMap.ToChar(0), Is.EqualTo('\u0100'));
        Assert.That(ByteUnicodeMap.ToChar(0xAD), Is.EqualTo('\u0143'), "soft hyphen is the last unprintable byte");
        Assert.That(ByteUnicodeMap.ToChar((byte)'!'), Is.EqualTo('!'));
        Assert.That(ByteUnicodeMap.GptOrder[0], Is.EqualTo((byte)'!'));
        Assert.That(ByteUnicodeMap.GptOrder[188], Is.EqualTo((byte)0));
        for (int b = 0; b < 256; b++)
        {
            Assert.That(ByteUnicodeMap.TryToByte(ByteUnicodeMap.ToChar((byte)b), out byte back), Is.True);
            Assert.That(back, Is.EqualTo((byte)b));
        }
        Assert.That(ByteUnicodeMap.TryToByte(' ', out _), Is.False, "a raw space is not a symbol character");
    }

    [TestCase("Hello world", new[] { "Hello", " world" })]
    [TestCase("a  b", new[] { "a", " ", " b" })]
    [TestCase("x   \n", new[] { "x", "   \n" })]
    [TestCase("a \n b", new[] { "a", " \n", " b" })]
    [TestCase("I'm IT'S", new[] { "I", "'m", " IT", "'", "S" })]
    [TestCase("'sup 're'll", new[] { "'s", "up", " '", "re", "'ll" })]
    [TestCase("1,000.5!", new[] { "1", ",", "000", ".", "5", "!" })]
    [TestCase(" !!x", new[] { " !!", "x" })]
    [TestCase("a𝐀b 𝟘𝟙", new[] { "a𝐀b", " 𝟘𝟙" })]
    [TestCase("x\uD800y", new[] { "x", "\uD800", "y" })]
    [TestCase("a\u0085\u0085b\uFEFFc", new[] { "a", "\u0085", "\u0085", "b", "\uFEFF", "c" })]
    public void Pre_tokenizer_splits_hand_worked_cases(string text, string[] expected) =>
        Assert.That(Gpt2PreTokenizer.Split(text), Is.EqualTo(expected));

    [Test]
    public void Pre_tokenizer_agrees_with_dotnet_regex_on_bmp_text()
    {
        var regex = new Regex(Gpt2PreTokenizer.Pattern);
        foreach (string text in TokenizerTexts.Random(2000, seed: 7, bmpOnly: true).Concat(BmpNamedTexts()))
        {
            var expected = regex.Matches(text).Select(m => m.Value).ToList();
            Assert.That(Gpt2PreTokenizer.Split(text), Is.EqualTo(expected), $"text \"{text}\"");
        }
    }

    [Test]
    public void Dotnet_regex_splits_astral_letters_apart_which_is_why_the_scanner_exists()
    {
        var regex = new Regex(Gpt2PreTokenizer.Pattern);
        Assert.That(regex.Matches("a𝐀b").Select(m => m.Value), Is.EqualTo(new[] { "a", "𝐀", "b" }));
        Assert.That(Gpt2PreTokenizer.Split("a𝐀b"), Is.EqualTo(new[] { "a𝐀b" }));
    }

    [Test]
    public void Whitespace_class_is_unicode_white_space_over_all_code_points()
    {
        var expected = new HashSet<int>(whiteSpace);
        var wrong = new List<string>();
        for (int cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            bool isSpace = Gpt2PreTokenizer.Classify(new Rune(cp)) == Gpt2PreTokenizer.CharClass.Space;
            if (isSpace != expected.Contains(cp)) wrong.Add($"U+{cp:X4}");
        }
        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Fast_merge_agrees_with_the_reference_loop_under_adversarial_ranks()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 40; trial++)
        {
            var vocabulary = RandomVocabulary(rng);
            for (int w = 0; w < 200; w++)
            {
                int[] word = Enumerable.Range(0, rng.Next(1, 30)).Select(_ => vocabulary.ByteTokenId((byte)"abc"[rng.Next(3)])).ToArray();
                Assert.That(BpeMerger.Merge(word, vocabulary), Is.EqualTo(BpeMerger.MergeReference(word, vocabulary)),
                    $"trial {trial}, word {string.Concat(word.Select(id => (char)vocabulary.TokenBytes(id)[0]))}");
            }
        }
    }

    [Test]
    public void A_lower_rank_pair_formed_mid_round_waits_for_the_round_to_finish()
    {
        // Ranks: (ab, a) = 0, (a, b) = 1. OpenAI's loop merges both "a b" in "abab" before looking at (ab, a).
        var tokens = ByteTokens();
        int a = 'a', b = 'b', ab = tokens.Count, aba = ab + 1;
        tokens.Add("ab"u8.ToArray());
        tokens.Add("aba"u8.ToArray());
        var vocabulary = BpeVocabulary.FromBytes(tokens, [new(ab, a, aba), new(a, b, ab)], []);
        Assert.That(BpeMerger.Merge([a, b, a, b], vocabulary), Is.EqualTo(new[] { ab, ab }));
        Assert.That(BpeMerger.MergeReference([a, b, a, b], vocabulary), Is.EqualTo(new[] { ab, ab }));
    }

    [TestCase(new byte[] { 0xE2, 0x82, (byte)'A' }, "\uFFFDA")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, "\uFFFD\uFFFD\uFFFD")]
    [TestCase(new byte[] { 0xF0, 0x9F, 0x98 }, "\uFFFD")]
    [TestCase(new byte[] { 0xC0, 0x80, (byte)'x' }, "\uFFFD\uFFFDx")]
    [TestCase(new byte[] { 0xFF, 0xE2, 0x82, 0xAC }, "\uFFFD€")]
    public void Decode_replaces_each_maximal_invalid_subpart_once(byte[] bytes, string expected)
    {
        var tokenizer = new ByteLevelBpeTokenizer(BpeVocabulary.FromBytes(ByteTokens(), [], []));
        int[] ids = bytes.Select(b => tokenizer.Vocabulary.ByteTokenId(b)).ToArray();
        Assert.That(tokenizer.DecodeBytes(ids), Is.EqualTo(bytes));
        Assert.That(tokenizer.Decode(ids), Is.EqualTo(expected));
    }

    [Test]
    public void Special_tokens_match_leftmost_then_longest()
    {
        var tokens = ByteTokens();
        var tokenizer = new ByteLevelBpeTokenizer(BpeVocabulary.FromBytes(tokens, [],
            [new SpecialToken("<|a|>", 256), new SpecialToken("<|a|>x", 257), new SpecialToken("<|endoftext|>", 258)]));
        Assert.That(tokenizer.EndOfTextId, Is.EqualTo(258));
        Assert.That(tokenizer.Encode("q<|a|>x<|a|><|endoftext|>"), Is.EqualTo(new[] { 'q', 257, 256, 258 }));
        Assert.That(tokenizer.Decode(tokenizer.Encode("q<|a|>x<|a|>")), Is.EqualTo("q<|a|>x<|a|>"));
        Assert.That(tokenizer.Encode("<|a|>", recognizeSpecialTokens: false), Is.EqualTo("<|a|>".Select(c => (int)c)));
    }

    [Test]
    public void Add_prefix_space_applies_to_each_stretch_between_special_tokens()
    {
        var tokens = ByteTokens();
        var vocabulary = BpeVocabulary.FromBytes(tokens, [], [new SpecialToken("<s>", 256)]);
        var tokenizer = new ByteLevelBpeTokenizer(vocabulary, new ByteLevelBpeOptions { AddPrefixSpace = true });
        Assert.That(tokenizer.Encode("a<s>b"), Is.EqualTo(new[] { ' ', 'a', 256, ' ', 'b' }));
        Assert.That(tokenizer.Encode(" a"), Is.EqualTo(new[] { ' ', 'a' }));
    }

    [Test]
    public void Ignore_merges_takes_a_whole_piece_that_is_in_the_vocabulary()
    {
        // Ranks: (b, c) first, so "abc" ends as [a, bc] by merges, although "abc" is a token (via ab + c).
        var tokens = ByteTokens();
        int bc = tokens.Count, ab = bc + 1, abc = bc + 2;
        tokens.AddRange(["bc"u8.ToArray(), "ab"u8.ToArray(), "abc"u8.ToArray()]);
        var vocabulary = BpeVocabulary.FromBytes(tokens, [new('b', 'c', bc), new('a', 'b', ab), new(ab, 'c', abc)], []);
        Assert.That(new ByteLevelBpeTokenizer(vocabulary).Encode("abc"), Is.EqualTo(new[] { 'a', bc }));
        Assert.That(new ByteLevelBpeTokenizer(vocabulary, new ByteLevelBpeOptions { IgnoreMerges = true }).Encode("abc"),
            Is.EqualTo(new[] { abc }));
    }

    [Test]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        var tokenizer = new ByteLevelBpeTokenizer(BpeVocabulary.FromBytes(ByteTokens(), [], []));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 256]));
        Assert.That(e!.Message, Does.StartWith("token id 256 is outside the vocabulary (ids 0..255)"));
        Assert.That(tokenizer.Encode(""), Is.Empty);
    }

    [Test]
    public void Long_pieces_are_encoded_the_same_with_or_without_the_cache()
    {
        var vocabulary = BpeTrainer.Train([string.Concat(Enumerable.Repeat("ACGTTGCA ", 200))], new BpeTrainerOptions { MergeCount = 20 });
        var tokenizer = new ByteLevelBpeTokenizer(vocabulary);
        string dna = string.Concat(Enumerable.Repeat("ACGTTGCAACGT", 100)); // one 1200-letter piece, not cached
        int[] first = tokenizer.Encode(dna), second = tokenizer.Encode(dna);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(first.Length, Is.LessThan(dna.Length / 2), "merges applied");
        Assert.That(tokenizer.Decode(first), Is.EqualTo(dna));
    }

    /// <summary>256 single-byte tokens with id = byte value (not GPT-2's order), so tests can write ids as chars.</summary>
    internal static List<byte[]> ByteTokens() => Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();

    private static IEnumerable<string> BmpNamedTexts() =>
        TokenizerTexts.Named.Select(n => n.Text).Where(t => !t.Any(char.IsSurrogate));

    // Merges over "a", "b", "c" and what they build, then ranks shuffled, so ranks need not follow creation order.
    private static BpeVocabulary RandomVocabulary(Random rng)
    {
        var tokens = ByteTokens();
        var known = new List<int> { 'a', 'b', 'c' };
        var merges = new List<BpeMerge>();
        var pairs = new HashSet<(int, int)>();
        var idByBytes = new Dictionary<string, int>();
        for (int i = 0; i < 25; i++)
        {
            int left = known[rng.Next(known.Count)], right = known[rng.Next(known.Count)];
            if (!pairs.Add((left, right))) continue;
            byte[] bytes = [.. tokens[left], .. tokens[right]];
            string key = Convert.ToHexString(bytes);
            if (!idByBytes.TryGetValue(key, out int result))
            {
                result = tokens.Count;
                tokens.Add(bytes);
                idByBytes[key] = result;
                known.Add(result);
            }
            merges.Add(new BpeMerge(left, right, result));
        }
        return BpeVocabulary.FromBytes(tokens, merges.OrderBy(_ => rng.Next()).ToList(), []);
    }
}
