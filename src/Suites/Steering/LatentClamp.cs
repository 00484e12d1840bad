// LatentClamp — a steering intervention: at every position, set one latent of a dictionary to a new value and add the
// change in the decoded output to the model's activation, keeping the reconstruction error term:
//   x_new = x + (decode(f_clamped) − decode(f)),  f = encode(x)
// For an sae the edit happens at its hook; for a transcoder f is read at its input hook and the change is added at its
// output hook. The new value is a function of the latent's current value (a constant, or α × the current value).
using InterpEval.Interp.Dictionaries;
using InterpEval.Interp.Models;

namespace InterpEval.Suites.Steering;

public sealed class LatentClamp
{
    private readonly SparseDictionary _dictionary;
    private readonly int _latent;
    private readonly Func<Tensor, Tensor> _newValue;

    private LatentClamp(SparseDictionary dictionary, int latent, Func<Tensor, Tensor> newValue)
    {
        if (latent < 0 || latent >= dictionary.DSae)
            throw new ArgumentException($"latent {latent} is outside the dictionary's {dictionary.DSae} latents");
        (_dictionary, _latent, _newValue) = (dictionary, latent, newValue);
    }

    /// <summary>Clamps the latent to a constant value at every position.</summary>
    public static LatentClamp ToValue(SparseDictionary dictionary, int latent, double value) =>
        new(dictionary, latent, current => current.Mul(0).Add(value));

    /// <summary>Sets the latent to α × its own current value (α = 1 changes nothing).</summary>
    public static LatentClamp Scaled(SparseDictionary dictionary, int latent, double alpha) =>
        new(dictionary, latent, current => current.Mul(alpha));

    /// <summary>Adds the intervention to <paramref name="hooks"/> (a new set when null) and returns it.</summary>
    public ForwardHooks Attach(ForwardHooks? hooks = null)
    {
        hooks ??= new ForwardHooks();
        var config = _dictionary.Config;
        if (!config.Kind.IsTranscoder()) return hooks.Replace(config.HookName, x => x + Delta(_dictionary.Encode(x)));
        Tensor? latents = null;
        hooks.Replace(config.HookName, x => { latents = _dictionary.Encode(x); return x; });
        return hooks.Replace(config.HookNameOut ?? throw new InvalidOperationException("a transcoder config has no hook_name_out"),
            y => y + Delta(latents ?? throw new InvalidOperationException($"hook {config.HookName} did not run before {config.HookNameOut}")));
    }

    /// <summary>decode(f with the latent replaced) − decode(f), for latents f [..., F] → [..., D_out].</summary>
    public Tensor Delta(Tensor f)
    {
        var current = f.Narrow(-1, _latent, 1);                                             // [..., 1]
        var oneHot = Tensor.Zeros([_dictionary.DSae], f.Dtype, f.Device);                   // [F]
        oneHot.Narrow(0, _latent, 1).Fill_(1);
        var clamped = f + (_newValue(current) - current) * oneHot;                          // [..., F]
        return _dictionary.Decode(clamped) - _dictionary.Decode(f);
    }
}
