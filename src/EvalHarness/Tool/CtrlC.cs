// CtrlC — Ctrl+C as a cancellation token for the length of one command: the process keeps running so the command can
// stop cleanly (no half-written files; training saves a checkpoint) and report exit 130. What stopping means is the
// command's business.
namespace InterpEval.Harness.Tool;

public sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ConsoleCancelEventHandler _handler;

    private CtrlC()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            _source.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>Starts listening; dispose to stop.</summary>
    public static CtrlC Listen() => new();

    /// <summary>Cancelled once Ctrl+C was pressed.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once Ctrl+C was pressed.</summary>
    public bool Pressed => _source.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
