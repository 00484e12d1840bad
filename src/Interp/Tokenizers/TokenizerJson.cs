// JSON plumbing shared by the tokenizer file formats: parse with one-line "file:line: fault" errors, read and
// write a symbol → id vocabulary object. No knowledge of any one format's layout.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace InterpEval.Interp.Tokenizers;

internal static class TokenizerJson
{
    /// <summary>Indented, with non-ASCII written as is ("Ġthe", not "\u0120the"), so files read and diff well.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static InvalidDataException Fault(string where, string what) => new($"{where}: {what}");

    /// <summary>Parses a JSON file; a syntax error throws InvalidDataException "path:line: not valid JSON (reason)".</summary>
    public static JsonDocument Parse(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(start)))                        // JsonDocument checks strings only when read
            throw Fault(path, "not valid UTF-8");
        try
        {
            return JsonDocument.Parse(bytes.AsMemory(start));
        }
        catch (JsonException e)
        {
            string reason = e.Message.ReplaceLineEndings(" ");
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut < 0) cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut];
            throw Fault($"{path}:{e.LineNumber + 1}", $"not valid JSON ({reason.TrimEnd('.', ' ')})");
        }
    }

    /// <summary>Reads {"symbol": id, ...}: ids must be non-negative integers and symbols must not repeat.</summary>
    public static List<KeyValuePair<string, int>> ReadVocab(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Fault(where, $"expected an object of token → id, found {Describe(element)}");
        var entries = new List<KeyValuePair<string, int>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw Fault(where, $"token \"{property.Name}\" appears twice");
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int id) || id < 0)
                throw Fault(where, $"token \"{property.Name}\" has id {Describe(value)} — expected a non-negative integer");
            entries.Add(new(property.Name, id));
        }
        if (entries.Count == 0) throw Fault(where, "the vocabulary is empty");
        return entries;
    }

    /// <summary>Writes the vocabulary as {"symbol": id, ...} in id order; special tokens by their content.</summary>
    public static void WriteVocab(Utf8JsonWriter writer, BpeVocabulary vocabulary)
    {
        writer.WriteStartObject();
        for (int id = 0; id < vocabulary.Count; id++)
            if (vocabulary.IsAssigned(id)) writer.WriteNumber(vocabulary.Symbol(id), id);
        writer.WriteEndObject();
    }

    /// <summary>A short description of a JSON value for error messages: 12, "abc", an array, null.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };
}
