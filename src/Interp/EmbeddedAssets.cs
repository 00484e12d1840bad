// EmbeddedAssets — where the files that ship with the tool (the repository's embedded/ folder, copied next to the
// built assembly) are found at run time. It only locates them; readers live with their types (Data.Corpus, …).
namespace InterpEval.Interp;

public static class EmbeddedAssets
{
    /// <summary>The embedded/ folder next to the running assembly.</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "embedded");

    /// <summary>The labelled corpus, embedded/corpus/corpus.jsonl.gz (built by eng/corpus/build_corpus.py).</summary>
    public static string CorpusPath => Require(Path.Combine("corpus", "corpus.jsonl.gz"));

    /// <summary>The corpus sources and their licences, embedded/corpus/NOTICE.</summary>
    public static string CorpusNoticePath => Require(Path.Combine("corpus", "NOTICE"));

    /// <summary>The embedded subject model: a Hugging Face directory that also holds its tokenizer files
    /// (built by `interp-eval model train`, see docs/embedded-model.md).</summary>
    public static string ModelDirectory => Require(Path.Combine("model", "config.json"), directory: true);

    private static string Require(string relative, bool directory = false)
    {
        string path = Path.Combine(Root, relative);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{path}: embedded asset missing — it is copied from the repository's embedded/ folder by the build of " +
                "src/Interp; rebuild, or restore it (docs/corpus.md)", path);
        return directory ? Path.GetDirectoryName(path)! : path;
    }
}
