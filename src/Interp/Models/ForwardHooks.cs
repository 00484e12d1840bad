// ForwardHooks — what a caller wants done at named hook points during one forward pass: read a value (capture),
// replace it (splicing, steering), or stop gradients through it (detach: circuit tracing freezes attention patterns
// and normalisation scales). Names follow TransformerLens (HookNames). The model calls Apply at every point; this
// class holds no tensors other than the captured ones.
namespace InterpEval.Interp.Models;

public sealed class ForwardHooks
{
    private readonly HashSet<string> _capture = new(StringComparer.Ordinal);
    private readonly HashSet<string> _detach = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<Tensor, Tensor>> _replace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _captured = new(StringComparer.Ordinal);

    /// <summary>When false the forward stops after the last block any hook needs and returns no logits.</summary>
    public bool NeedLogits { get; set; } = true;

    /// <summary>Values read during the last forward, by hook name (after any replacement).</summary>
    public IReadOnlyDictionary<string, Tensor> Captured => _captured;

    public ForwardHooks Capture(params string[] names)
    {
        foreach (var n in names) _capture.Add(n);
        return this;
    }

    /// <summary>Replaces the value at a hook with fn(value); downstream computation sees the replacement.</summary>
    public ForwardHooks Replace(string name, Func<Tensor, Tensor> fn)
    {
        _replace[name] = fn;
        return this;
    }

    /// <summary>Cuts gradients at a hook: the value is used, but backward does not flow through it.</summary>
    public ForwardHooks Detach(string name)
    {
        _detach.Add(name);
        return this;
    }

    /// <summary>All hook names with some action, for planning (validation, early stop).</summary>
    public IEnumerable<string> Names => _capture.Concat(_detach).Concat(_replace.Keys).Distinct();

    /// <summary>True when anything is registered at this hook (lets a model take a fused fast path otherwise).</summary>
    public bool Has(string name) => _capture.Contains(name) || _detach.Contains(name) || _replace.ContainsKey(name);

    /// <summary>Runs the actions registered at name on value and returns what the forward continues with.</summary>
    public Tensor Apply(string name, Tensor value)
    {
        if (_replace.TryGetValue(name, out var fn))
        {
            var replaced = fn(value);
            if (!replaced.Shape.SequenceEqual(value.Shape))
                throw new ArgumentException($"hook {name}: replacement has shape {replaced.ShapeString}, expected {value.ShapeString}");
            value = replaced;
        }
        if (_detach.Contains(name)) value = value.Detach();
        if (_capture.Contains(name)) _captured[name] = value;
        return value;
    }

    /// <summary>Forgets captured values (before reusing the hooks for another forward).</summary>
    public void ClearCaptured() => _captured.Clear();
}
