// Finds which tokenizer layout a path holds and reads it. Only the three byte-level BPE layouts; no
// SentencePiece, no tokenizer_config.json / special_tokens_map.json.
namespace InterpEval.Interp.Tokenizers;

/// <summary>Loads a byte-level BPE tokenizer from a file or a directory.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// A directory: tokenizer.json if present, else vocab.json + merges.txt, else encoder.json + vocab.bpe.
    /// A file: vocab.json, merges.txt, encoder.json or vocab.bpe load with their partner beside them; any other
    /// file is read as tokenizer.json. A missing file throws FileNotFoundException; a malformed one
    /// InvalidDataException; both messages are one line naming the file.
    /// </summary>
    public static ByteLevelBpeTokenizer Load(string path)
    {
        if (Directory.Exists(path)) return LoadDirectory(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or directory", path);
        string directory = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : ".";
        return Path.GetFileName(path) switch
        {
            "vocab.json" or "merges.txt" => ReadPair(directory, "vocab.json", "merges.txt"),
            "encoder.json" or "vocab.bpe" => ReadPair(directory, "encoder.json", "vocab.bpe"),
            _ => HuggingFaceTokenizerFormat.Read(path),
        };
    }

    private static ByteLevelBpeTokenizer LoadDirectory(string directory)
    {
        string tokenizerJson = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(tokenizerJson)) return HuggingFaceTokenizerFormat.Read(tokenizerJson);
        foreach (var (vocab, merges) in new[] { ("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe") })
            if (File.Exists(Path.Combine(directory, vocab)) || File.Exists(Path.Combine(directory, merges)))
                return ReadPair(directory, vocab, merges);
        throw new FileNotFoundException(
            $"{directory}: no tokenizer found — expected tokenizer.json, vocab.json + merges.txt, or encoder.json + vocab.bpe",
            tokenizerJson);
    }

    private static ByteLevelBpeTokenizer ReadPair(string directory, string vocabName, string mergesName)
    {
        string vocab = Path.Combine(directory, vocabName), merges = Path.Combine(directory, mergesName);
        foreach (var (present, missing, partner) in new[] { (vocab, merges, mergesName), (merges, vocab, vocabName) })
            if (!File.Exists(missing))
                throw new FileNotFoundException($"{missing}: not found — {Path.GetFileName(present)} needs {partner} beside it", missing);
        return VocabMergesFormat.Read(vocab, merges);
    }
}
