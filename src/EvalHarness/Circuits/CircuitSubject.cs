// CircuitSubject — what attribute and intervene load: the subject model (--model, the embedded model by default), its
// tokenizer, and the dictionaries that replace its MLPs — one CLT directory, or one transcoder or skip-transcoder
// directory per layer (--dict given once per layer, in any order) — checked to fit the model, with one-line usage
// errors for anything else (an sae, a missing layer, a width that does not match). It computes nothing.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Circuits;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;

namespace InterpEval.Harness.Circuits;

public sealed class CircuitSubject : IDisposable
{
    private readonly List<IDisposable> _dictionaries;

    private CircuitSubject(TransformerModel model, ITokenizer tokenizer, ReplacementCoder coder, List<IDisposable> dictionaries, string scan)
    {
        Model = model;
        Tokenizer = tokenizer;
        Coder = coder;
        _dictionaries = dictionaries;
        Scan = scan;
    }

    public TransformerModel Model { get; }
    public ITokenizer Tokenizer { get; }
    public ReplacementCoder Coder { get; }

    /// <summary>A name for the dictionaries (the graph's metadata.scan).</summary>
    public string Scan { get; }

    /// <summary>The separator/BOS token the model was trained with, if any (put in front of every prompt).</summary>
    public int? Separator => Model.Config.BosTokenId ?? Tokenizer.EndOfTextId;

    public static CircuitSubject Load(IReadOnlyList<string> dictionaryDirectories, string modelDirectory, Device device)
    {
        if (dictionaryDirectories.Count == 0) throw new UsageException("--dict: give a CLT directory, or one transcoder directory per layer");
        foreach (string dir in dictionaryDirectories)
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--dict: {dir}: dictionary directory does not exist");
        var model = TransformerModel.Load(modelDirectory, device);
        var owned = new List<IDisposable>();
        try
        {
            var tokenizer = TokenizerLoader.Load(modelDirectory);
            int layers = model.Config.NLayers;
            ReplacementCoder coder;
            string scan;
            if (dictionaryDirectories.Count == 1 && CltFormat.IsCltDirectory(dictionaryDirectories[0]))
            {
                var clt = CltFormat.Load(dictionaryDirectories[0], device);
                owned.Add(clt);
                if (clt.DModel != model.Config.DModel)
                    throw new UsageException($"--dict: {dictionaryDirectories[0]}: the CLT's d_model is {clt.DModel}, the model's {model.Config.DModel}");
                coder = Wrap(dictionaryDirectories[0], () => ReplacementCoder.FromClt(clt, layers));
                scan = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dictionaryDirectories[0])));
            }
            else
            {
                var byLayer = new SparseDictionary?[layers];
                foreach (string dir in dictionaryDirectories)
                {
                    if (CltFormat.IsCltDirectory(dir)) throw new UsageException($"--dict: {dir} is a CLT: give it alone, not with other dictionaries");
                    var d = SparseDictionary.Load(dir, device);
                    owned.Add(d);
                    if (!d.Kind.IsTranscoder())
                        throw new UsageException($"--dict: {dir}: a {d.Kind.Name()} is not a transcoder — circuit tracing needs a transcoder per layer or a CLT");
                    int layer = LayerOf(d.Config.HookName, layers, dir);
                    if (byLayer[layer] is not null) throw new UsageException($"--dict: {dir}: layer {layer} was given twice");
                    byLayer[layer] = d;
                }
                int missing = Array.FindIndex(byLayer, d => d is null);
                if (missing >= 0) throw new UsageException($"--dict: no transcoder for layer {missing} — give one directory per layer ({layers} in all) or a CLT");
                coder = Wrap(dictionaryDirectories[0], () => ReplacementCoder.FromTranscoders(byLayer!, layers));
                if (coder.DModel != model.Config.DModel)
                    throw new UsageException($"--dict: the transcoders' d_in is {coder.DModel}, the model's d_model {model.Config.DModel}");
                scan = "plt-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dictionaryDirectories[0])));
            }
            return new CircuitSubject(model, tokenizer, coder, owned, scan);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            model.Dispose();
            throw;
        }
    }

    private static ReplacementCoder Wrap(string dir, Func<ReplacementCoder> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentException e) when (e is not UsageException)
        {
            throw new UsageException($"--dict: {dir}: {e.Message}");
        }
    }

    private static int LayerOf(string hook, int layers, string dir)
    {
        try
        {
            int l = HookNames.LayerOf(hook, layers);
            if (l >= 0 && l < layers) return l;
        }
        catch (ArgumentException)
        {
        }
        throw new UsageException($"--dict: {dir} reads '{hook}', not a block's hook of this {layers}-layer model");
    }

    /// <summary>Token ids of a prompt, with the separator in front; a prompt longer than the context is a usage error.</summary>
    public long[] Prompt(string text)
    {
        if (text.Length == 0) throw new UsageException("--prompt is empty — give a prompt to trace");
        var ids = Tokenizer.Encode(text, recognizeSpecialTokens: false).Select(i => (long)i);
        var all = (Separator is int s ? ids.Prepend(s) : ids).ToArray();
        if (Model.Config.Family == ModelFamily.Gpt2 && all.Length > Model.Config.NCtx)
            throw new UsageException($"--prompt: {all.Length} tokens (with the separator) exceed the model's context of {Model.Config.NCtx}");
        return all;
    }

    /// <summary>The text of one token id.</summary>
    public string TokenText(long id) => Tokenizer.Decode([(int)id]);

    public void Dispose()
    {
        foreach (var d in _dictionaries) d.Dispose();
        Model.Dispose();
    }
}
