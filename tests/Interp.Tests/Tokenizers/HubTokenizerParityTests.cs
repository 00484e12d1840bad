// Our HuggingFaceTokenizer on the real tokenizer.json of Llama 3.1, Qwen3 and Gemma 3 against transformers.js' tokenizers
// (HubTokenizerReference): ids id for id with and without the post-processor's BOS, and decoded text, on every named
// text (scripts, CJK, emoji ZWJ sequences, whitespace runs, \r\n, code), digits of every length, each family's special
// token strings, and seeded random mixes. Lone surrogates are left out: Rust strings, which the tokenizers library
// is written for, cannot hold them.
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Tokenizers;

[TestFixture("llama3_1")]
[TestFixture("qwen3")]
[TestFixture("gemma3")]
public sealed class HubTokenizerParityTests(string family)
{
    private ITokenizer ours = null!;
    private List<string> texts = null!;
    private List<HubResult> reference = null!;

    private static readonly string[] extra =
    [
        "<|begin_of_text|>Hello<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>", "text<|endoftext|>more <think>\n\n</think>",
        "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", "<pad><eos><unk><mask> <unused0> [multimodal]",
        "a <start_of_image> b <end_of_image>", "<tool_call>{\"a\": 1}</tool_call>",
        "\r\n\r\n\r\n", "a\r\nb\r\n\r\nc\n\r d", "    four\n        eight\n\t\ttabs", "x" + new string(' ', 40) + "y",
        "trailing spaces     ", "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
        "▁already▁metaspace ▁", "Mixed CASE and camelCaseIdentifiers_with_underscores", "<div class=\"x\">&amp; &lt;</div>",
        "SELECT * FROM t WHERE id = 42; -- comment", "https://example.com/path?q=1&r=two#frag",
        "fn main() { println!(\"{}\", 1 << 3); }", "x = [i**2 for i in range(10)]  # squares",
        "Ünïcödé ÀÉÎÕÜ ﬁ ﬂ ﬀ ǅ Ǆ ǆ", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　１２３", "한국어 텍스트와 English 혼합",
    ];

    [OneTimeSetUp]
    public void LoadAndRunReference()
    {
        string dir = HubTokenizerReference.ModelDirectory(family);
        ours = TokenizerLoader.Load(dir);
        Assert.That(ours, Is.InstanceOf<HuggingFaceTokenizer>());
        var digits = Enumerable.Range(1, 16).Select(n => string.Concat(Enumerable.Range(0, n).Select(i => (char)('1' + (i * 7 + n) % 9))));
        texts = [.. TokenizerTexts.Named.Select(n => n.Text).Where(IsWellFormed), .. digits, "x" + string.Join(" ", digits), .. extra,
                 .. TokenizerTexts.Random(80, seed: 77).Where(IsWellFormed)];
        reference = HubTokenizerReference.Encode(family, texts);
        Assert.That(reference, Has.Count.EqualTo(texts.Count), "node returned one result per text");
    }

    [Test]
    public void At_least_forty_texts_are_compared() => Assert.That(texts, Has.Count.GreaterThanOrEqualTo(40));

    [Test]
    public void Ids_match_transformers_js_on_every_text()
    {
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            int[] ids = ours.Encode(texts[i]);
            if (!ids.SequenceEqual(reference[i].Ids))
                mismatches.Add($"\"{texts[i]}\": ours [{string.Join(",", ids)}] vs reference [{string.Join(",", reference[i].Ids)}]");
        }
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void Post_processor_adds_the_same_special_tokens()
    {
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            int[] ids = ours.EncodeWithSpecialTokens(texts[i]);
            if (!ids.SequenceEqual(reference[i].WithSpecial))
                mismatches.Add($"\"{texts[i]}\": ours [{string.Join(",", ids)}] vs reference [{string.Join(",", reference[i].WithSpecial)}]");
        }
        Assert.That(mismatches, Is.Empty);
        int[] hello = ours.EncodeWithSpecialTokens("Hello");
        Assert.That(hello[0] == ours.Encode("Hello")[0], Is.EqualTo(family == "qwen3"), "Llama 3 and Gemma 3 put a BOS first; Qwen3 does not");
    }

    [Test]
    public void Decode_matches_transformers_js()
    {
        var mismatches = new List<string>();
        for (int i = 0; i < texts.Count; i++)
        {
            string decoded = ours.Decode(reference[i].Ids);
            if (decoded != reference[i].Text) mismatches.Add($"\"{texts[i]}\": ours \"{decoded}\" vs reference \"{reference[i].Text}\"");
        }
        Assert.That(mismatches, Is.Empty);
    }

    [Test]
    public void Offsets_tile_plain_text_and_token_text_reads_back()
    {
        const string text = "The cat sat on the mat. 123 日本 👍";
        var offsets = ours.EncodeWithOffsets(text);
        Assert.That(offsets.Ends[^1], Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(text)));
        Assert.That(string.Concat(offsets.Ids.Select(ours.TokenText)).Replace("\uFFFD", ""), Does.StartWith("The cat sat on the mat. 123"));
    }

    private static bool IsWellFormed(string text) =>
        System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3 + 1], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;
}
