// DisposeScope — deterministic cleanup for the temporaries of tensor code. Every tensor created on a thread while a
// scope is open belongs to the innermost scope and is disposed with it, unless moved out (to the enclosing scope,
// or out of all scopes). Tensors disposed early leave the scope at once, so a long-lived scope holds only live
// ones. It leaves nothing to the GC; the finalizer of TensorHandle is only a safety net.
namespace InterpEval.Torch;

public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _owned = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private bool _disposed;

    private DisposeScope(DisposeScope? outer) => _outer = outer;

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>Opens a scope; dispose it (a using block) to free every tensor created inside.</summary>
    public static DisposeScope Enter() => t_current = new DisposeScope(t_current);

    /// <summary>Number of live tensors the scope owns.</summary>
    public int Count => _owned.Count;

    internal void Register(Tensor t)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(DisposeScope), "a tensor was created in a dispose scope that was already disposed");
        _owned.Add(t);
        t.Scope = this;
    }

    /// <summary>Called by a tensor disposed before its scope.</summary>
    internal void Forget(Tensor t) => _owned.Remove(t);

    /// <summary>Hands a tensor to the enclosing scope (or to no scope) so it survives this one.</summary>
    public Tensor MoveOut(Tensor t)
    {
        if (t.Scope != this) throw new InvalidOperationException("the tensor does not belong to this dispose scope");
        _owned.Remove(t);
        t.Scope = null;
        OpenOuter()?.Register(t);
        return t;
    }

    /// <summary>Takes a tensor out of this scope without giving it to another: the caller disposes it.</summary>
    internal void Release(Tensor t)
    {
        _owned.Remove(t);
        t.Scope = null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _owned.ToArray())
        {
            t.Scope = null;
            t.Dispose();
        }
        _owned.Clear();
        if (t_current == this) t_current = OpenOuter();
    }

    // The nearest enclosing scope still open (an outer scope disposed out of order is skipped).
    private DisposeScope? OpenOuter()
    {
        var s = _outer;
        while (s is { _disposed: true }) s = s._outer;
        return s;
    }
}
