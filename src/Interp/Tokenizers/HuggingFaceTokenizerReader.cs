// HuggingFaceTokenizerReader — reads any tokenizer.json this library can run into a HuggingFaceTokenizer: components
// are looked up by their "type" in one registry per kind, so an unknown one fails as
// "path: pre_tokenizer.pretokenizers[1]: type Foo is not supported — expected one of …" (exit 2 from the CLI).
// Models other than BPE (WordPiece, Unigram, WordLevel) and BPE dropout are refused the same way.
using System.Text;
using System.Text.Json;
using InterpEval.Interp.Tokenizers.Pipeline;

namespace InterpEval.Interp.Tokenizers;

public static class HuggingFaceTokenizerReader
{
    private delegate T Factory<T>(JsonElement e, Context c);

    private sealed record Context(string Path, string Where)
    {
        public Context At(string child) => this with { Where = Where.Length == 0 ? child : $"{Where}.{child}" };
        public Context At(int index) => this with { Where = $"{Where}[{index}]" };
        public InvalidDataException Fault(string what) => new($"{Path}: {Where}: {what}");
    }

    private static readonly Dictionary<string, Factory<INormalizer>> normalizers = new(StringComparer.Ordinal)
    {
        ["NFC"] = (_, _) => new UnicodeNormalizer(NormalizationForm.FormC),
        ["NFD"] = (_, _) => new UnicodeNormalizer(NormalizationForm.FormD),
        ["NFKC"] = (_, _) => new UnicodeNormalizer(NormalizationForm.FormKC),
        ["NFKD"] = (_, _) => new UnicodeNormalizer(NormalizationForm.FormKD),
        ["Lowercase"] = (_, _) => new LowercaseNormalizer(),
        ["Strip"] = (e, c) => new StripNormalizer(Bool(e, "strip_left", c, true), Bool(e, "strip_right", c, true)),
        ["Prepend"] = (e, c) => new PrependNormalizer(String(e, "prepend", c)),
        ["Replace"] = (e, c) =>
        {
            var (literal, regex) = Pattern(e, c);
            return new ReplaceNormalizer(literal, regex, String(e, "content", c));
        },
        ["Sequence"] = (e, c) => new SequenceNormalizer(List(e, "normalizers", c, normalizers!)),
    };

    private static readonly Dictionary<string, Factory<IPreTokenizer>> preTokenizers = new(StringComparer.Ordinal)
    {
        ["ByteLevel"] = (e, c) => new ByteLevelPreTokenizer(Bool(e, "add_prefix_space", c, true), Bool(e, "use_regex", c, true)),
        ["Split"] = (e, c) =>
        {
            var (literal, regex) = Pattern(e, c);
            MatchFinder finder = literal is not null ? Splitting.Literal(literal) : regex!.Matches;
            return new SplitPreTokenizer(finder, Behavior(e, c), Bool(e, "invert", c, false));
        },
        ["Digits"] = (e, c) => new DigitsPreTokenizer(Bool(e, "individual_digits", c, false)),
        ["Metaspace"] = (e, c) => new MetaspacePreTokenizer(Replacement(e, c), Scheme(e, c), Bool(e, "split", c, true)),
        ["Punctuation"] = (e, c) => new PunctuationPreTokenizer(e.TryGetProperty("behavior", out _) ? Behavior(e, c) : SplitBehavior.Isolated),
        ["Whitespace"] = (_, _) => new WhitespacePreTokenizer(),
        ["WhitespaceSplit"] = (_, _) => new WhitespaceSplitPreTokenizer(),
        ["Sequence"] = (e, c) => new SequencePreTokenizer(List(e, "pretokenizers", c, preTokenizers!)),
    };

    private static readonly Dictionary<string, Factory<ITokenDecoder>> decoders = new(StringComparer.Ordinal)
    {
        ["ByteLevel"] = (_, _) => new ByteLevelDecoder(),
        ["ByteFallback"] = (_, _) => new ByteFallbackDecoder(),
        ["Fuse"] = (_, _) => new FuseDecoder(),
        ["Replace"] = (e, c) => Pattern(e, c) is (string literal, _) ? new ReplaceDecoder(literal, String(e, "content", c))
            : throw c.Fault("a Replace decoder needs a String pattern"),
        ["Strip"] = (e, c) => new StripDecoder(Char(e, "content", c), Int(e, "start", c), Int(e, "stop", c)),
        ["Metaspace"] = (e, c) => new MetaspaceDecoder(Replacement(e, c), Scheme(e, c)),
        ["Sequence"] = (e, c) => new SequenceDecoder(List(e, "decoders", c, decoders!)),
    };

    private static readonly Dictionary<string, Factory<Func<Func<string, int?>, IPostProcessor>>> postProcessors = new(StringComparer.Ordinal)
    {
        ["ByteLevel"] = (_, _) => _ => new IdentityPostProcessor(),
        ["TemplateProcessing"] = Template,
        ["BertProcessing"] = (e, c) => _ => new TemplatePostProcessor([Pair(e, "cls", c), new TemplateItem(null), Pair(e, "sep", c)]),
        ["RobertaProcessing"] = (e, c) => _ => new TemplatePostProcessor([Pair(e, "cls", c), new TemplateItem(null), Pair(e, "sep", c)]),
        ["Sequence"] = (e, c) =>
        {
            var steps = Array(e, "processors", c).Select((p, i) => Build(p, c.At("processors").At(i), postProcessors!)).ToList();
            return ids => new SequencePostProcessor(steps.Select(s => s(ids)).ToList());
        },
    };

    /// <summary>Reads a tokenizer.json; faults throw InvalidDataException "path: where: fault".</summary>
    public static HuggingFaceTokenizer Read(string path)
    {
        using var document = TokenizerJson.Parse(path);
        var root = document.RootElement;
        var c = new Context(path, "");
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.Object)
            throw TokenizerJson.Fault(path, "no \"model\" object — not a Hugging Face tokenizer.json");
        var (model, vocab) = ReadModel(modelElement, c.At("model"));
        var added = ReadAddedTokens(root, c.At("added_tokens"));
        var normalizer = Optional(root, "normalizer", c, normalizers);
        var preTokenizer = Optional(root, "pre_tokenizer", c, preTokenizers);
        var decoder = Optional(root, "decoder", c, decoders);
        var post = Optional(root, "post_processor", c, postProcessors);
        var lookup = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var a in added) lookup[a.Content] = a.Id;
        return new HuggingFaceTokenizer(path, added, normalizer, preTokenizer, model, vocab,
            post?.Invoke(t => lookup.TryGetValue(t, out int id) ? id : null), decoder);
    }

    private static (BpeModel, Dictionary<string, int>) ReadModel(JsonElement m, Context c)
    {
        string type = m.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!
            : m.TryGetProperty("merges", out _) ? "BPE" : "(none)";
        if (type != "BPE") throw c.Fault($"type {type} is not supported — expected BPE");
        if (m.TryGetProperty("dropout", out var dropout) && dropout.ValueKind != JsonValueKind.Null
            && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
            throw c.Fault($"dropout is {TokenizerJson.Describe(dropout)} — BPE dropout is not supported");
        if (!m.TryGetProperty("vocab", out var vocabElement)) throw c.Fault("vocab is missing");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in TokenizerJson.ReadVocab(vocabElement, $"{c.Path}: model.vocab")) vocab[token] = id;
        if (!m.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
            throw c.Fault("merges is missing or not an array");
        var merges = new List<(string, string)>(mergesElement.GetArrayLength());
        int i = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            string[] parts = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!.Split(' '),
                JsonValueKind.Array => merge.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : "").ToArray(),
                _ => [],
            };
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw c.At("merges").At(i).Fault($"expected \"left right\" or [left, right], found {merge.GetRawText()}");
            merges.Add((parts[0], parts[1]));
            i++;
        }
        var model = new BpeModel(vocab, merges, OptionalString(m, "unk_token", c), Bool(m, "byte_fallback", c, false),
            Bool(m, "fuse_unk", c, false), Bool(m, "ignore_merges", c, false), OptionalString(m, "continuing_subword_prefix", c),
            OptionalString(m, "end_of_word_suffix", c), c.Path);
        return (model, vocab);
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, Context c)
    {
        var added = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var tokens) || tokens.ValueKind == JsonValueKind.Null) return added;
        if (tokens.ValueKind != JsonValueKind.Array) throw c.Fault($"expected an array, found {TokenizerJson.Describe(tokens)}");
        int i = 0;
        foreach (var token in tokens.EnumerateArray())
        {
            var at = c.At(i++);
            if (token.ValueKind != JsonValueKind.Object
                || !token.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0
                || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String || content.GetString()!.Length == 0)
                throw at.Fault("expected {\"id\": non-negative integer, \"content\": non-empty string, ...}");
            bool special = Bool(token, "special", at, false);
            added.Add(new AddedToken(idValue, content.GetString()!, Bool(token, "single_word", at, false), Bool(token, "lstrip", at, false),
                Bool(token, "rstrip", at, false), Bool(token, "normalized", at, !special), special));
        }
        return added;
    }

    private static Func<Func<string, int?>, IPostProcessor> Template(JsonElement e, Context c)
    {
        var items = new List<(string? Special, bool Sequence)>();
        var single = Array(e, "single", c);
        for (int i = 0; i < single.Count; i++)
        {
            var item = single[i];
            if (item.TryGetProperty("SpecialToken", out var st)) items.Add((String(st, "id", c.At("single").At(i).At("SpecialToken")), false));
            else if (item.TryGetProperty("Sequence", out _)) items.Add((null, true));
            else throw c.At("single").At(i).Fault("expected a SpecialToken or a Sequence");
        }
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (e.TryGetProperty("special_tokens", out var map) && map.ValueKind == JsonValueKind.Object)
            foreach (var p in map.EnumerateObject())
                specials[p.Name] = p.Value.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array
                    ? ids.EnumerateArray().Select(x => x.GetInt32()).ToArray()
                    : throw c.At("special_tokens").At(p.Name).Fault("ids is missing");
        return _ => new TemplatePostProcessor(items.Select(it => it.Sequence ? new TemplateItem(null)
            : new TemplateItem(specials.TryGetValue(it.Special!, out var ids) ? ids
                : throw c.At("single").Fault($"special token \"{it.Special}\" is not in special_tokens"))).ToList());
    }

    private static TemplateItem Pair(JsonElement e, string name, Context c)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 2 || !p[1].TryGetInt32(out int id))
            throw c.At(name).Fault("expected [token, id]");
        return new TemplateItem([id]);
    }

    private static T? Optional<T>(JsonElement parent, string name, Context c, Dictionary<string, Factory<T>> registry) where T : class =>
        parent.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? Build(e, c.At(name), registry) : null;

    private static T Build<T>(JsonElement e, Context c, Dictionary<string, Factory<T>> registry)
    {
        if (e.ValueKind != JsonValueKind.Object) throw c.Fault($"expected an object, found {TokenizerJson.Describe(e)}");
        string type = e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "(none)";
        if (!registry.TryGetValue(type, out var factory))
            throw c.Fault($"type {type} is not supported — expected one of {string.Join(", ", registry.Keys)}");
        return factory(e, c);
    }

    private static List<T> List<T>(JsonElement e, string name, Context c, Dictionary<string, Factory<T>> registry) =>
        Array(e, name, c).Select((item, i) => Build(item, c.At(name).At(i), registry)).ToList();

    private static List<JsonElement> Array(JsonElement e, string name, Context c) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray().ToList()
            : throw c.At(name).Fault("expected an array");

    private static (string? Literal, UnicodeRegex? Regex) Pattern(JsonElement e, Context c)
    {
        if (!e.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.Object) throw c.At("pattern").Fault("expected {\"String\": …} or {\"Regex\": …}");
        if (p.TryGetProperty("String", out var s) && s.ValueKind == JsonValueKind.String) return (s.GetString()!, null);
        if (p.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String) return (null, new UnicodeRegex(r.GetString()!, $"{c.Path}: {c.Where}.pattern"));
        throw c.At("pattern").Fault("expected {\"String\": …} or {\"Regex\": …}");
    }

    private static SplitBehavior Behavior(JsonElement e, Context c)
    {
        string b = String(e, "behavior", c);
        return Enum.TryParse<SplitBehavior>(b, ignoreCase: false, out var behavior) && Enum.IsDefined(behavior) ? behavior
            : throw c.At("behavior").Fault($"{b} is not supported — expected one of {string.Join(", ", Enum.GetNames<SplitBehavior>())}");
    }

    private static string Replacement(JsonElement e, Context c) =>
        e.TryGetProperty("replacement", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "\u2581";

    private static PrependScheme Scheme(JsonElement e, Context c)
    {
        if (e.TryGetProperty("prepend_scheme", out var s) && s.ValueKind == JsonValueKind.String)
            return s.GetString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw c.At("prepend_scheme").Fault($"{other} is not supported — expected always, first or never"),
            };
        return Bool(e, "add_prefix_space", c, true) ? PrependScheme.Always : PrependScheme.Never;
    }

    private static bool Bool(JsonElement e, string name, Context c, bool fallback)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw c.At(name).Fault($"is {TokenizerJson.Describe(v)} — expected true or false"),
        };
    }

    private static int Int(JsonElement e, string name, Context c) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt32(out int i) ? i : throw c.At(name).Fault("expected an integer");

    private static char Char(JsonElement e, string name, Context c) =>
        String(e, name, c) is { Length: 1 } s ? s[0] : throw c.At(name).Fault("expected one character");

    private static string String(JsonElement e, string name, Context c) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw c.At(name).Fault("expected a string");

    private static string? OptionalString(JsonElement e, string name, Context c) =>
        !e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw c.At(name).Fault("expected a string or null");
}
