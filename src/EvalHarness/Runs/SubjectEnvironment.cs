// SubjectEnvironment — the subject model, its tokenizer and the labelled corpus a run evaluates on (the embedded ones by
// default), with content fingerprints of each so trained dictionaries can be cached by what they were trained on. It
// owns (disposes) the model. It trains nothing and runs no suite.
using System.Security.Cryptography;
using InterpEval.Interp;
using InterpEval.Interp.Data;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;

namespace InterpEval.Harness.Runs;

public sealed class SubjectEnvironment : IDisposable
{
    private SubjectEnvironment(string modelDirectory, string corpusPath, TransformerModel model, ITokenizer tokenizer, Corpus corpus)
    {
        ModelDirectory = modelDirectory;
        CorpusPath = corpusPath;
        Model = model;
        Tokenizer = tokenizer;
        Corpus = corpus;
        ModelFingerprint = Fingerprint(Directory.GetFiles(modelDirectory).Where(f => !f.EndsWith("training_report.json", StringComparison.Ordinal)));
        CorpusFingerprint = Fingerprint([corpusPath]);
    }

    public string ModelDirectory { get; }
    public string CorpusPath { get; }
    public TransformerModel Model { get; }
    public ITokenizer Tokenizer { get; }
    public Corpus Corpus { get; }

    /// <summary>SHA-256 over the model directory's files (names and bytes, sorted by name).</summary>
    public string ModelFingerprint { get; }

    /// <summary>SHA-256 of the corpus file.</summary>
    public string CorpusFingerprint { get; }

    /// <summary>Loads the model (or the embedded one when null), its tokenizer and the corpus (or the embedded one).</summary>
    public static SubjectEnvironment Load(string? modelDirectory, string? corpusPath, Device device)
    {
        string dir = modelDirectory ?? EmbeddedAssets.ModelDirectory;
        string corpus = corpusPath ?? EmbeddedAssets.CorpusPath;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: model directory not found (config: model)");
        if (!File.Exists(corpus)) throw new FileNotFoundException($"{corpus}: corpus file not found (config: corpus)", corpus);
        var model = TransformerModel.Load(dir, device);
        try
        {
            return new SubjectEnvironment(dir, corpus, model, TokenizerLoader.Load(dir), Corpus.Load(corpus));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static string Fingerprint(IEnumerable<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files.OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public void Dispose() => Model.Dispose();
}
