// DictCommand — `interp-eval dict encode|decode|info`: run a saved dictionary (ours or SAELens's layout) over
// activations stored as safetensors, or describe it. Options are static fields; the work lives in DictEncodeHandler and DictInfoHandler.
using System.CommandLine;

namespace InterpEval.Harness.Commands.Dict;

public static class DictCommand
{
    public static readonly Option<string> Dict = new("--dict")
    {
        Description = "A dictionary directory (cfg.json + sae_weights.safetensors [+ sparsity.safetensors])", HelpName = "DIR", Required = true,
    };

    public static readonly Option<string> Input = new("--input")
    {
        Description = "Input .safetensors file", HelpName = "FILE", Required = true,
    };

    public static readonly Option<string> Out = new("--out")
    {
        Description = "Output .safetensors file (written atomically)", HelpName = "FILE", Required = true,
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var command = new Command("dict", "Saved dictionaries: encode activations, decode latents, describe one");
        var encode = new Command("encode", $"Latents of stored activations: tensor '{DictEncodeHandler.ActivationsKey}' [N, d_in] (any float dtype) in, '{DictEncodeHandler.FeaturesKey}' [N, d_sae] float32 out")
        {
            Dict, Input, Out,
        };
        encode.SetAction(parseResult => (int)new DictEncodeHandler(parseResult.InvocationConfiguration.Output).Run(EncodeOptions(parseResult, decode: false)));
        var decode = new Command("decode", $"Prediction from stored latents: '{DictEncodeHandler.FeaturesKey}' [N, d_sae] in, '{DictEncodeHandler.ActivationsKey}' [N, d_out] float32 out (the reconstruction of an sae, a transcoder's prediction without any skip term)")
        {
            Dict, Input, Out,
        };
        decode.SetAction(parseResult => (int)new DictEncodeHandler(parseResult.InvocationConfiguration.Output).Run(EncodeOptions(parseResult, decode: true)));
        var info = new Command("info", "Architecture, kind, widths, hooks, k/threshold, scale, files, parameter count, decoder-norm and density statistics")
        {
            Dict, Json,
        };
        info.SetAction(parseResult => (int)new DictInfoHandler(parseResult.InvocationConfiguration.Output).Run(InfoOptions(parseResult)));
        command.Subcommands.Add(encode);
        command.Subcommands.Add(decode);
        command.Subcommands.Add(info);
        return command;
    }

    public static DictEncodeOptions EncodeOptions(ParseResult parseResult, bool decode) => new(parseResult.GetValue(Dict)!,
        parseResult.GetValue(Input)!, parseResult.GetValue(Out)!, decode, parseResult.GetValue(GlobalOptions.Device));

    public static DictInfoOptions InfoOptions(ParseResult parseResult) => new(parseResult.GetValue(Dict)!, parseResult.GetValue(Json));
}
