// Finds which tokenizer layout a path holds and reads it: any supported tokenizer.json (HuggingFaceTokenizer), or GPT-2's
// vocab.json + merges.txt / encoder.json + vocab.bpe (ByteLevelBpeTokenizer). No SentencePiece tokenizer.model, no
// tokenizer_config.json / special_tokens_map.json.
namespace InterpEval.Interp.Tokenizers;

/// <summary>Loads a tokenizer from a file or a directory.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// As <see cref="LoadByteLevel"/>, except that tokenizer.json is read by <see cref="HuggingFaceTokenizerReader"/>,
    /// which runs every normalizer, pre-tokenizer, post-processor and decoder it supports.
    /// </summary>
    public static ITokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            string json = Path.Combine(path, "tokenizer.json");
            return File.Exists(json) ? HuggingFaceTokenizerReader.Read(json) : LoadByteLevel(path);
        }
        return File.Exists(path) && Path.GetFileName(path) is not ("vocab.json" or "merges.txt" or "encoder.json" or "vocab.bpe")
            ? HuggingFaceTokenizerReader.Read(path) : LoadByteLevel(path);
    }

    /// <summary>
    /// A GPT-2-shaped byte-level BPE. A directory: tokenizer.json if present, else vocab.json + merges.txt, else encoder.json + vocab.bpe.
    /// A file: vocab.json, merges.txt, encoder.json or vocab.bpe load with their partner beside them; any other
    /// file is read as tokenizer.json. A missing file throws FileNotFoundException; a malformed one
    /// InvalidDataException; both messages are one line naming the file.
    /// </summary>
    public static ByteLevelBpeTokenizer LoadByteLevel(string path)
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
