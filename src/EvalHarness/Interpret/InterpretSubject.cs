// InterpretSubject — what inspect, steer and features load: a dictionary (--dict), the subject model it reads (--model,
// the embedded model by default) and the model directory's tokenizer, checked to fit each other (hook present, widths
// equal) with one-line usage errors. It computes nothing.
using InterpEval.Harness.Tool;
using InterpEval.Interp.Activations;
using InterpEval.Interp.Data;
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;
using InterpEval.Interp.Tokenizers;
using InterpEval.Torch;

namespace InterpEval.Harness.Interpret;

public sealed class InterpretSubject : IDisposable
{
    private InterpretSubject(SparseDictionary dictionary, TransformerModel model, ITokenizer tokenizer) =>
        (Dictionary, Model, Tokenizer) = (dictionary, model, tokenizer);

    public SparseDictionary Dictionary { get; }
    public TransformerModel Model { get; }
    public ITokenizer Tokenizer { get; }

    /// <summary>The separator/BOS token the model was trained with, if any.</summary>
    public int? Separator => DocumentSeparator.IdOrNull(Model.Config, Tokenizer);

    public static InterpretSubject Load(string dictionaryDirectory, string modelDirectory, Device device)
    {
        if (!System.IO.Directory.Exists(dictionaryDirectory))
            throw new DirectoryNotFoundException($"--dict: {dictionaryDirectory}: dictionary directory does not exist");
        var dictionary = SparseDictionary.Load(dictionaryDirectory, device);
        try
        {
            var model = TransformerModel.Load(modelDirectory, device);
            var subject = new InterpretSubject(dictionary, model, TokenizerLoader.Load(modelDirectory));
            subject.Check(dictionaryDirectory, modelDirectory);
            return subject;
        }
        catch
        {
            dictionary.Dispose();
            throw;
        }
    }

    private void Check(string dictionaryDirectory, string modelDirectory)
    {
        string hook = Dictionary.Config.HookName;
        if (!Model.HookPoints.Contains(hook))
            throw new UsageException($"--dict: {dictionaryDirectory} reads hook '{hook}', which the model in {modelDirectory} does not have");
        using var scope = DisposeScope.Enter();
        long width = LatentHarvester.Capture(Model, Tensor.From<long>([0], [1, 1], Model.Device), hook).Size(-1);
        if (width != Dictionary.DIn)
            throw new UsageException($"--dict: {dictionaryDirectory} has d_in {Dictionary.DIn} but hook '{hook}' of the model is {width} wide");
    }

    /// <summary>Token ids of a text (special-token text encoded as text), with the separator in front when the model has one.</summary>
    public long[] Prompt(string text)
    {
        var ids = Tokenizer.Encode(text, recognizeSpecialTokens: false).Select(i => (long)i);
        return (Separator is int s ? ids.Prepend(s) : ids).ToArray();
    }

    public void Dispose()
    {
        Dictionary.Dispose();
        Model.Dispose();
    }
}
