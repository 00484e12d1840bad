// CfgFields — typed reads of cfg.json fields with one-line errors naming the file and the field. A field is looked up
// at the top level first (SAELens before 6.0 and our writer), then in the "metadata" / "meta" object (SAELens 6.x).
// It knows JSON types, not which fields a dictionary needs (DictionaryConfig decides that).
using System.Globalization;
using System.Text.Json.Nodes;

namespace InterpEval.Interp.Dictionaries;

internal sealed class CfgFields(JsonObject json, string path)
{
    private readonly JsonObject? _meta = (json["metadata"] ?? json["meta"]) as JsonObject;

    public string Path => path;

    public JsonNode? Node(string key) => json.ContainsKey(key) ? json[key] : _meta?[key];

    public bool Has(string key) => Node(key) is not null;

    public InvalidDataException Fault(string message) => new($"{path}: {message}");

    public string String(string key) =>
        OptionalString(key) ?? throw Fault($"missing field '{key}'");

    public string? OptionalString(string key) => Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var n => throw Fault($"{key} is {Show(n)} — expected a string"),
    };

    public int Positive(string key, string what) =>
        OptionalPositive(key, what) ?? throw Fault($"missing field '{key}' ({what})");

    public int? OptionalPositive(string key, string what)
    {
        int? v = OptionalInt(key);
        if (v is <= 0) throw Fault($"{key} is {v} — expected a positive {what}");
        return v;
    }

    public int? OptionalInt(string key) => Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue => (int)d,
        var n => throw Fault($"{key} is {Show(n)} — expected an integer"),
    };

    public bool? OptionalBool(string key) => Node(key) switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var n => throw Fault($"{key} is {Show(n)} — expected true or false"),
    };

    /// <summary>A field's JSON text for a message, cut short so a hostile file cannot make a huge line.</summary>
    public static string Show(JsonNode? n)
    {
        string text = n?.ToJsonString() ?? "null";
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 60 ? text : text[..60] + "…";
    }

    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
