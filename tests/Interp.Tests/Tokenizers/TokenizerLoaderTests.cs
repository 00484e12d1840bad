// The three layouts (tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe) give the same ids on
// GPT-2's vocabulary; writers round-trip; malformed or missing files give one-line "file: fault" messages.
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Interp.Tokenizers;

namespace InterpEval.Interp.Tests.Tokenizers;

[TestFixture]
public sealed class TokenizerLoaderTests
{
    private string dir = null!;

    [SetUp]
    public void MakeTempDir() => dir = Directory.CreateTempSubdirectory("interp-eval-tok-").FullName;

    [TearDown]
    public void RemoveTempDir() => Directory.Delete(dir, recursive: true);

    [Test]
    public void Three_layouts_of_gpt2_give_identical_ids()
    {
        string package = Gpt2Reference.PackageDirectory;
        string pairDir = Directory.CreateDirectory(Path.Combine(dir, "pair")).FullName;
        File.Copy(Path.Combine(package, "encoder.json"), Path.Combine(pairDir, "vocab.json"));
        File.Copy(Path.Combine(package, "vocab.bpe"), Path.Combine(pairDir, "merges.txt"));
        string hfDir = Directory.CreateDirectory(Path.Combine(dir, "hf")).FullName;
        WriteGpt2TokenizerJson(package, Path.Combine(hfDir, "tokenizer.json"));

        var openAi = TokenizerLoader.Load(package);
        var pair = TokenizerLoader.Load(pairDir);
        var hf = TokenizerLoader.Load(hfDir);
        foreach (string text in TokenizerTexts.All())
        {
            int[] expected = openAi.Encode(text);
            Assert.That(pair.Encode(text), Is.EqualTo(expected), $"vocab.json + merges.txt on \"{text}\"");
            Assert.That(hf.Encode(text), Is.EqualTo(expected), $"tokenizer.json on \"{text}\"");
        }
        Assert.That(hf.Encode("<|endoftext|>"), Is.EqualTo(new[] { 50256 }));
        Assert.That(pair.EndOfTextId, Is.EqualTo(50256));
        Assert.That(TokenizerLoader.Load(Path.Combine(pairDir, "merges.txt")).Encode("Hello world"), Is.EqualTo(new[] { 15496, 995 }));
        Assert.That(TokenizerLoader.Load(Path.Combine(hfDir, "tokenizer.json")).Encode("Hello world"), Is.EqualTo(new[] { 15496, 995 }));
    }

    [Test]
    public void Writers_round_trip_gpt2()
    {
        var gpt2 = TokenizerLoader.LoadByteLevel(Gpt2Reference.PackageDirectory);
        VocabMergesFormat.Write(gpt2, Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"));
        HuggingFaceTokenizerFormat.Write(gpt2, Path.Combine(dir, "tokenizer.json"));
        var pair = VocabMergesFormat.Read(Path.Combine(dir, "vocab.json"), Path.Combine(dir, "merges.txt"));
        var hf = HuggingFaceTokenizerFormat.Read(Path.Combine(dir, "tokenizer.json"));
        Assert.That(File.ReadAllText(Path.Combine(dir, "merges.txt")).Split('\n')[1], Is.EqualTo("Ġ t"), "first GPT-2 merge");
        foreach (var loaded in new[] { pair, hf })
        {
            Assert.That(loaded.VocabSize, Is.EqualTo(50257));
            Assert.That(loaded.Vocabulary.SpecialTokens, Is.EqualTo(gpt2.Vocabulary.SpecialTokens));
            foreach (string text in TokenizerTexts.Named.Select(n => n.Text))
                Assert.That(loaded.Encode(text), Is.EqualTo(gpt2.Encode(text)), text);
        }
    }

    [Test]
    public void Bad_merges_line_names_file_line_and_count()
    {
        WriteTinyVocab();
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\na b\na b c\n");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{Path.Combine(dir, "merges.txt")}:3: expected two symbols, found 3");
    }

    [Test]
    public void Merge_of_an_unknown_symbol_is_reported_at_its_line()
    {
        WriteTinyVocab();
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\na b\nb c\n");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{Path.Combine(dir, "merges.txt")}:3: merged symbol \"bc\" is not in the vocabulary");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "a b\nx€ b\n");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{Path.Combine(dir, "merges.txt")}:2: symbol \"x€\" is not in the vocabulary");
    }

    [Test]
    public void Repeated_merge_names_both_lines()
    {
        WriteTinyVocab();
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\na b\na b\n");
        string merges = Path.Combine(dir, "merges.txt");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{merges}:3: merge \"a b\" repeats {merges}:2");
    }

    [Test]
    public void Broken_vocab_json_names_file_and_line()
    {
        string vocab = Path.Combine(dir, "vocab.json");
        File.WriteAllText(vocab, "{\n  \"a\": 1,\n  \"b\" 2\n}");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{vocab}:3: not valid JSON ('2' is invalid after a property name. Expected a ':')");
    }

    [Test]
    public void Vocab_entries_must_be_distinct_non_negative_integers()
    {
        string vocab = Path.Combine(dir, "vocab.json"), merges = Path.Combine(dir, "merges.txt");
        File.WriteAllText(merges, "");
        File.WriteAllText(vocab, "{\"a\": \"one\"}");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{vocab}: token \"a\" has id \"one\" — expected a non-negative integer");
        File.WriteAllText(vocab, "{\"a\": 0, \"b\": 0}");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{vocab}: id 0 is given to both \"a\" and \"b\"");
        File.WriteAllText(vocab, "{\"a\": 0, \"a\": 1}");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{vocab}: token \"a\" appears twice");
        File.WriteAllText(vocab, "[1, 2]");
        AssertInvalid(() => TokenizerLoader.Load(dir), $"{vocab}: expected an object of token → id, found an array");
    }

    [Test]
    public void Missing_files_throw_file_not_found_naming_them()
    {
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{}");
        var e = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(dir))!;
        Assert.That(e.Message, Is.EqualTo($"{Path.Combine(dir, "merges.txt")}: not found — vocab.json needs merges.txt beside it"));
        Assert.That(e.FileName, Is.EqualTo(Path.Combine(dir, "merges.txt")));
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        e = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(empty))!;
        Assert.That(e.Message, Is.EqualTo($"{empty}: no tokenizer found — expected tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe"));
        string nowhere = Path.Combine(dir, "nowhere");
        e = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(nowhere))!;
        Assert.That(e.Message, Is.EqualTo($"{nowhere}: no such file or directory"));
    }

    [TestCase("\"type\": \"WordPiece\"", "model.type is \"WordPiece\" — only BPE is supported")]
    [TestCase("\"dropout\": 0.1", "model.dropout is 0.1 — BPE dropout is not supported")]
    [TestCase("\"byte_fallback\": true", "model.byte_fallback is true — not supported (this is a byte-level BPE)")]
    public void Unsupported_model_settings_are_refused(string setting, string message)
    {
        string path = WriteTinyTokenizerJson(model: setting);
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: {message}");
    }

    [Test]
    public void Tokenizer_json_faults_name_the_json_location()
    {
        string path = WriteTinyTokenizerJson(merges: "[\"a b\", \"a b c\"]");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: model.merges[1]: expected \"left right\" or [left, right], found \"a b c\"");
        path = WriteTinyTokenizerJson(merges: "[[\"a\", \"b\"], [\"a\"]]");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: model.merges[1]: expected \"left right\" or [left, right], found [\"a\"]");
        path = WriteTinyTokenizerJson(preTokenizer: "{\"type\": \"Metaspace\"}");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: pre_tokenizer type is Metaspace — only ByteLevel (GPT-2's regex) is supported");
        path = WriteTinyTokenizerJson(added: "[{\"id\": 257, \"content\": \"<s>\", \"lstrip\": true}]");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: added_tokens[0]: lstrip is true — not supported");
        path = WriteTinyTokenizerJson(added: "[{\"id\": 256, \"content\": \"<s>\"}]");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: model.vocab: added token \"<s>\" has id 256, which the vocabulary gives to \"ab\"");
        File.WriteAllText(path, "{\"version\": \"1.0\"}");
        AssertInvalid(() => TokenizerLoader.LoadByteLevel(path), $"{path}: no \"model\" object — not a Hugging Face tokenizer.json");
    }

    [Test]
    public void Tiny_tokenizer_json_loads_with_both_merge_forms_and_options()
    {
        string path = WriteTinyTokenizerJson(merges: "[[\"a\", \"b\"]]", added: "[{\"id\": 257, \"content\": \"<s>\", \"special\": true}]",
            preTokenizer: "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}");
        var tokenizer = TokenizerLoader.LoadByteLevel(path);
        Assert.That(tokenizer.Options.AddPrefixSpace, Is.True);
        Assert.That(tokenizer.Encode("ab<s>ab"), Is.EqualTo(new[] { 220, 256, 257, 220, 256 }), "Ġ=220 in GPT-2's byte order; ab=256");
    }

    private static void AssertInvalid(TestDelegate load, string message)
    {
        var e = Assert.Throws<InvalidDataException>(load)!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    // The 256 byte symbols in GPT-2's order, plus "ab" = 256.
    private static JsonObject TinyVocab()
    {
        var vocab = new JsonObject();
        int id = 0;
        foreach (byte b in ByteUnicodeMap.GptOrder) vocab[ByteUnicodeMap.ToChar(b).ToString()] = id++;
        vocab["ab"] = 256;
        return vocab;
    }

    private void WriteTinyVocab() => File.WriteAllText(Path.Combine(dir, "vocab.json"), TinyVocab().ToJsonString());

    private string WriteTinyTokenizerJson(string model = "\"type\": \"BPE\"", string merges = "[\"a b\"]", string added = "[]",
        string preTokenizer = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false}")
    {
        string path = Path.Combine(dir, "custom-tokenizer.json");
        File.WriteAllText(path, $$"""
            {"added_tokens": {{added}}, "normalizer": null, "pre_tokenizer": {{preTokenizer}},
             "model": { {{model}}, "vocab": {{TinyVocab().ToJsonString()}}, "merges": {{merges}} } }
            """);
        return path;
    }

    // GPT-2 as Hugging Face ships it: "a b" string merges, <|endoftext|> in both vocab and added_tokens.
    private static void WriteGpt2TokenizerJson(string package, string path)
    {
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(package, "encoder.json")))!;
        string[] lines = File.ReadAllText(Path.Combine(package, "vocab.bpe")).Split('\n');
        var merges = new JsonArray(lines[1..^1].Select(l => (JsonNode)JsonValue.Create(l)!).ToArray());
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = 50256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = true, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
