// Hugging Face tokenizer.json for a byte-level BPE (GPT-2's shape): model BPE, ByteLevel pre-tokenizer,
// added tokens. Rejects, with a message, what would change ids and is not implemented (normalizers, other
// pre-tokenizers, dropout, byte fallback, lstrip/rstrip); ignores post_processor, decoder, truncation, padding.
using System.Text.Json;

namespace InterpEval.Interp.Tokenizers;

/// <summary>Reads and writes tokenizer.json.</summary>
public static class HuggingFaceTokenizerFormat
{
    /// <summary>Loads a tokenizer; faults throw InvalidDataException "path: where: fault".</summary>
    public static ByteLevelBpeTokenizer Read(string path)
    {
        using var document = TokenizerJson.Parse(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw TokenizerJson.Fault(path, "no \"model\" object — not a Hugging Face tokenizer.json");
        var options = new ByteLevelBpeOptions
        {
            AddPrefixSpace = ReadPreTokenizer(root, path),
            IgnoreMerges = OptionalBool(model, "ignore_merges", path, "model.ignore_merges"),
        };
        CheckNormalizer(root, path);
        CheckModel(model, path);
        var vocab = TokenizerJson.ReadVocab(Required(model, "vocab", path, "model"), $"{path}: model.vocab");
        var merges = ReadMerges(Required(model, "merges", path, "model"), path);
        var added = ReadAddedTokens(root, path);
        var vocabulary = BpeVocabulary.FromSymbols(vocab, merges, added, unreachableAreSpecial: false,
            $"{path}: model.vocab", i => $"{path}: model.merges[{i}]");
        return new ByteLevelBpeTokenizer(vocabulary, options);
    }

    /// <summary>Writes tokenizer.json: special tokens as added_tokens, merges as [left, right] pairs.</summary>
    public static void Write(ByteLevelBpeTokenizer tokenizer, string path)
    {
        var vocabulary = tokenizer.Vocabulary;
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, TokenizerJson.WriterOptions);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var special in vocabulary.SpecialTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", special.Id);
            w.WriteString("content", special.Content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("normalizer");
        WriteByteLevel(w, "pre_tokenizer", tokenizer.Options.AddPrefixSpace);
        w.WriteNull("post_processor");
        WriteByteLevel(w, "decoder", tokenizer.Options.AddPrefixSpace);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", tokenizer.Options.IgnoreMerges);
        w.WritePropertyName("vocab");
        TokenizerJson.WriteVocab(w, vocabulary);
        w.WriteStartArray("merges");
        foreach (var merge in vocabulary.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(vocabulary.Symbol(merge.Left));
            w.WriteStringValue(vocabulary.Symbol(merge.Right));
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    /// <summary>Returns add_prefix_space; anything but GPT-2's ByteLevel pre-tokenizer is an error.</summary>
    private static bool ReadPreTokenizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
            throw TokenizerJson.Fault(path, "pre_tokenizer is missing — expected GPT-2's ByteLevel pre-tokenizer");
        string type = pre.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "(none)";
        if (type != "ByteLevel")
            throw TokenizerJson.Fault(path, $"pre_tokenizer type is {type} — only ByteLevel (GPT-2's regex) is supported");
        if (pre.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.False)
            throw TokenizerJson.Fault(path, "pre_tokenizer.use_regex is false — only GPT-2's regex split is supported");
        return OptionalBool(pre, "add_prefix_space", path, "pre_tokenizer.add_prefix_space");
    }

    private static void CheckNormalizer(JsonElement root, string path)
    {
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
        {
            string type = normalizer.TryGetProperty("type", out var t) ? TokenizerJson.Describe(t) : TokenizerJson.Describe(normalizer);
            throw TokenizerJson.Fault(path, $"normalizer {type} is not supported — expected null");
        }
    }

    private static void CheckModel(JsonElement model, string path)
    {
        if (model.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "BPE"))
            throw TokenizerJson.Fault(path, $"model.type is {TokenizerJson.Describe(type)} — only BPE is supported");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind != JsonValueKind.Null)
            throw TokenizerJson.Fault(path, $"model.dropout is {TokenizerJson.Describe(dropout)} — BPE dropout is not supported");
        if (OptionalBool(model, "byte_fallback", path, "model.byte_fallback"))
            throw TokenizerJson.Fault(path, "model.byte_fallback is true — not supported (this is a byte-level BPE)");
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.TryGetProperty(affix, out var value) && value.ValueKind != JsonValueKind.Null
                && !(value.ValueKind == JsonValueKind.String && value.GetString() == ""))
                throw TokenizerJson.Fault(path, $"model.{affix} is {TokenizerJson.Describe(value)} — not supported");
    }

    private static List<(string, string)> ReadMerges(JsonElement merges, string path)
    {
        if (merges.ValueKind != JsonValueKind.Array)
            throw TokenizerJson.Fault(path, $"model.merges is {TokenizerJson.Describe(merges)} — expected an array");
        var result = new List<(string, string)>(merges.GetArrayLength());
        int i = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            string[] symbols = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!.Split(' '),
                JsonValueKind.Array => merge.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : "").ToArray(),
                _ => [],
            };
            if (symbols.Length != 2 || symbols[0].Length == 0 || symbols[1].Length == 0)
                throw TokenizerJson.Fault($"{path}: model.merges[{i}]",
                    $"expected \"left right\" or [left, right], found {merge.GetRawText()}");
            result.Add((symbols[0], symbols[1]));
            i++;
        }
        return result;
    }

    private static List<SpecialToken> ReadAddedTokens(JsonElement root, string path)
    {
        var added = new List<SpecialToken>();
        if (!root.TryGetProperty("added_tokens", out var tokens) || tokens.ValueKind == JsonValueKind.Null) return added;
        if (tokens.ValueKind != JsonValueKind.Array)
            throw TokenizerJson.Fault(path, $"added_tokens is {TokenizerJson.Describe(tokens)} — expected an array");
        int i = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            string where = $"added_tokens[{i++}]";
            if (token.ValueKind != JsonValueKind.Object
                || !token.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0
                || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
                || content.GetString()!.Length == 0)
                throw TokenizerJson.Fault($"{path}: {where}", "expected {\"id\": non-negative integer, \"content\": non-empty string, ...}");
            foreach (string flag in new[] { "lstrip", "rstrip", "single_word" })
                if (OptionalBool(token, flag, path, $"{where}.{flag}"))
                    throw TokenizerJson.Fault($"{path}: {where}", $"{flag} is true — not supported");
            added.Add(new SpecialToken(content.GetString()!, idValue));
        }
        return added;
    }

    private static JsonElement Required(JsonElement parent, string name, string path, string parentName) =>
        parent.TryGetProperty(name, out var value) ? value
            : throw TokenizerJson.Fault(path, $"{parentName}.{name} is missing");

    private static bool OptionalBool(JsonElement parent, string name, string path, string where)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return false;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TokenizerJson.Fault(path, $"{where} is {TokenizerJson.Describe(value)} — expected true or false"),
        };
    }
}
