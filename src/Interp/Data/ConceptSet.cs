// ConceptSet — the concepts a token can carry, as bits of a 64-bit mask: the corpus's span labels (dna, hex, json_key,
// digits, …) and one concept per document language (german, french, python, …: every token of a document in that
// language carries it). It decides names and bit order only; TokenLabeller decides which token carries what.
namespace InterpEval.Interp.Data;

public sealed class ConceptSet
{
    /// <summary>Document language codes (CorpusDocument.Language) and the concept name each gives.</summary>
    public static readonly IReadOnlyDictionary<string, string> LanguageConcepts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["en"] = "english", ["de"] = "german", ["fr"] = "french", ["es"] = "spanish", ["ru"] = "russian",
        ["el"] = "greek", ["zh"] = "chinese", ["ja"] = "japanese", ["ko"] = "korean", ["ar"] = "arabic",
        ["hi"] = "hindi", ["python"] = "python", ["javascript"] = "javascript",
    };

    private readonly Dictionary<string, int> _index;

    /// <summary>Concept names in bit order (at most 64).</summary>
    public IReadOnlyList<string> Names { get; }

    public ConceptSet(IEnumerable<string> names)
    {
        Names = names.ToArray();
        if (Names.Count > 64) throw new ArgumentException($"{Names.Count} concepts — a token mask holds at most 64");
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Names.Count; i++)
            if (!_index.TryAdd(Names[i], i)) throw new ArgumentException($"concept '{Names[i]}' is named twice");
    }

    /// <summary>The span labels of the corpus (ordinal order), then its document languages' concepts (ordinal order).</summary>
    public static ConceptSet ForCorpus(Corpus corpus)
    {
        var languages = corpus.Documents.Select(d => d.Language).OfType<string>().Distinct()
            .Select(LanguageConcept).OfType<string>().Order(StringComparer.Ordinal);
        return new ConceptSet(corpus.Labels.Concat(languages.Where(l => !corpus.Labels.Contains(l))));
    }

    /// <summary>The concept a document language gives, or null for a code without one.</summary>
    public static string? LanguageConcept(string language) => LanguageConcepts.GetValueOrDefault(language);

    public int Count => Names.Count;

    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The bit of a concept; an unknown name lists the known ones.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i
        : throw new ArgumentException($"concept '{name}' is not known — expected one of {string.Join(", ", Names)}");

    public ulong Bit(string name) => 1UL << IndexOf(name);

    /// <summary>The names of the concepts set in a mask, in bit order.</summary>
    public IEnumerable<string> NamesIn(ulong mask)
    {
        for (int i = 0; i < Names.Count; i++)
            if ((mask >> i & 1) != 0) yield return Names[i];
    }
}
