// The two-file layout: vocab.json + merges.txt (Hugging Face) or encoder.json + vocab.bpe (OpenAI), which are
// the same format under two names. Special tokens are the vocab entries no merge can reach; nothing else is kept.
using System.Text;
using System.Text.Json;

namespace InterpEval.Interp.Tokenizers;

/// <summary>Reads and writes a symbol → id JSON file plus a merges file ("#version" line, then "left right" per line).</summary>
public static class VocabMergesFormat
{
    private const string VersionLine = "#version: 0.2";

    /// <summary>
    /// Loads a tokenizer; every vocab entry that is neither a byte symbol nor a merge result (GPT-2's
    /// <c>&lt;|endoftext|&gt;</c>) becomes a special token. Faults throw InvalidDataException "file[:line]: fault".
    /// </summary>
    public static ByteLevelBpeTokenizer Read(string vocabPath, string mergesPath)
    {
        List<KeyValuePair<string, int>> vocab;
        using (var document = TokenizerJson.Parse(vocabPath)) vocab = TokenizerJson.ReadVocab(document.RootElement, vocabPath);
        var (merges, lines) = ReadMerges(mergesPath);
        var vocabulary = BpeVocabulary.FromSymbols(vocab, merges, [], unreachableAreSpecial: true, vocabPath,
            i => $"{mergesPath}:{lines[i]}");
        return new ByteLevelBpeTokenizer(vocabulary);
    }

    /// <summary>Writes vocab.json (indented, id order) and merges.txt; throws when the files could not say the same.</summary>
    public static void Write(ByteLevelBpeTokenizer tokenizer, string vocabPath, string mergesPath)
    {
        if (tokenizer.Options != ByteLevelBpeOptions.Gpt2)
            throw new InvalidOperationException($"{Path.GetFileName(vocabPath)} + {Path.GetFileName(mergesPath)} cannot record {tokenizer.Options} — save as tokenizer.json");
        var vocabulary = tokenizer.Vocabulary;
        CheckSpecialsAreExactlyUnreachable(vocabulary, vocabPath);
        using (var stream = File.Create(vocabPath))
        using (var writer = new Utf8JsonWriter(stream, TokenizerJson.WriterOptions))
            TokenizerJson.WriteVocab(writer, vocabulary);
        var text = new StringBuilder(VersionLine).Append('\n');
        foreach (var merge in vocabulary.Merges)
            text.Append(vocabulary.Symbol(merge.Left)).Append(' ').Append(vocabulary.Symbol(merge.Right)).Append('\n');
        File.WriteAllText(mergesPath, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static (List<(string, string)> Merges, List<int> Lines) ReadMerges(string path)
    {
        string[] lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        int last = lines.Length;
        while (last > 0 && lines[last - 1].TrimEnd('\r').Length == 0) last--; // blank lines at the end are not merges
        var merges = new List<(string, string)>(last);
        var lineNumbers = new List<int>(last);
        for (int i = 0; i < last; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            string[] symbols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (symbols.Length != 2) throw TokenizerJson.Fault($"{path}:{i + 1}", $"expected two symbols, found {symbols.Length}");
            merges.Add((symbols[0], symbols[1]));
            lineNumbers.Add(i + 1);
        }
        return (merges, lineNumbers);
    }

    // On reload, "special" is inferred from reachability, so it must already coincide with it.
    private static void CheckSpecialsAreExactlyUnreachable(BpeVocabulary vocabulary, string vocabPath)
    {
        var reachable = new bool[vocabulary.Count];
        for (int b = 0; b < 256; b++)
            if (vocabulary.ByteTokenId((byte)b) is var id and >= 0) reachable[id] = true;
        foreach (var merge in vocabulary.Merges) reachable[merge.Result] = true;
        for (int id = 0; id < vocabulary.Count; id++)
            if (vocabulary.IsAssigned(id) && vocabulary.IsSpecial(id) == reachable[id])
                throw new InvalidOperationException(
                    $"{Path.GetFileName(vocabPath)}: token {id} \"{vocabulary.Symbol(id)}\" would reload as {(reachable[id] ? "ordinary" : "special")} — save as tokenizer.json");
    }
}
