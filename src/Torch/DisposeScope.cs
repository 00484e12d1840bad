// DisposeScope — deterministic cleanup for the temporaries of tensor code. Every tensor created on a thread while a
// scope is open belongs to the innermost scope and is disposed with it, unless moved out (to the enclosing scope,
// or out of all scopes). It leaves nothing to the GC; the finalizer of TensorHandle is only a safety net.
namespace InterpEval.Torch;

public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly List<Tensor> _owned = [];
    private readonly DisposeScope? _outer;
    private bool _disposed;

    private DisposeScope(DisposeScope? outer) => _outer = outer;

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>Opens a scope; dispose it (a using block) to free every tensor created inside.</summary>
    public static DisposeScope Enter() => t_current = new DisposeScope(t_current);

    /// <summary>Number of tensors the scope still owns.</summary>
    public int Count => _owned.Count(t => t.Scope == this && !t.IsDisposed);

    internal void Register(Tensor t)
    {
        _owned.Add(t);
        t.Scope = this;
    }

    /// <summary>Hands a tensor to the enclosing scope (or to no scope) so it survives this one.</summary>
    public Tensor MoveOut(Tensor t)
    {
        if (t.Scope != this) throw new InvalidOperationException("the tensor does not belong to this dispose scope");
        t.Scope = null;
        _outer?.Register(t);
        return t;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned)
            if (t.Scope == this) t.Dispose();
        _owned.Clear();
        if (t_current == this) t_current = _outer;
    }
}
