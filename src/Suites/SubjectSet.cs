// SubjectSet — the subjects of one evaluation: single dictionaries (saes, transcoders; per-layer transcoders among them
// form a transcoder set) and cross-layer transcoders, each with its id. Load is the one place that reads subject
// directories (a CLT directory or any dictionary the registry loads) and disposes what it loaded when one fails;
// disposing the set disposes them all. It trains nothing and measures nothing.
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Suites;

public sealed class SubjectSet(IReadOnlyList<(string Subject, SparseDictionary Dictionary)> dictionaries,
    IReadOnlyList<(string Subject, CrossLayerTranscoder Clt)> clts) : IDisposable
{
    /// <summary>Single dictionaries, in load order.</summary>
    public IReadOnlyList<(string Subject, SparseDictionary Dictionary)> Dictionaries { get; } = dictionaries;

    /// <summary>Cross-layer transcoders, in load order.</summary>
    public IReadOnlyList<(string Subject, CrossLayerTranscoder Clt)> Clts { get; } = clts;

    public int Count => Dictionaries.Count + Clts.Count;

    /// <summary>Each (id, directory) loaded on device; check (when given) sees each single dictionary with its directory
    /// as it loads and may throw. Any failure disposes everything loaded so far.</summary>
    public static SubjectSet Load(IEnumerable<(string Subject, string Directory)> entries, Device device, Action<SparseDictionary, string>? check = null)
    {
        var dictionaries = new List<(string, SparseDictionary)>();
        var clts = new List<(string, CrossLayerTranscoder)>();
        var set = new SubjectSet(dictionaries, clts);
        try
        {
            foreach (var (subject, directory) in entries)
            {
                if (CltFormat.IsCltDirectory(directory)) clts.Add((subject, CltFormat.Load(directory, device)));
                else
                {
                    var d = DictionaryFormat.Load(directory, device);
                    dictionaries.Add((subject, d));
                    check?.Invoke(d, directory);
                }
            }
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (_, d) in Dictionaries) d.Dispose();
        foreach (var (_, c) in Clts) c.Dispose();
    }
}
