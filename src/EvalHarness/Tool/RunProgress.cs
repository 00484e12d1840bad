// RunProgress — how the runner reports long phases: a task with a total that advances. On a terminal it is a
// Spectre.Console progress display; elsewhere (CI logs, tests) one plain line per phase on stderr, or nothing. It never
// writes results (exporters do).
using Spectre.Console;

namespace InterpEval.Harness.Tool;

public interface IRunProgress
{
    /// <summary>Starts a phase with `total` units of work.</summary>
    IProgressTask Start(string description, double total);

    /// <summary>A one-line remark (a skipped suite, a cache hit).</summary>
    void Note(string line);

    /// <summary>Runs the long phases of a run inside the display (bars live only while work runs).</summary>
    T Scope<T>(Func<T> work) => work();
}

public interface IProgressTask
{
    void Increment(double units = 1);
    void Complete();
}

/// <summary>Plain lines on a writer (stderr in CI), each with the seconds since the run started, or nothing when null.</summary>
public sealed class PlainProgress(TextWriter? writer) : IRunProgress
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public IProgressTask Start(string description, double total)
    {
        Note(description);
        return new Task();
    }

    public void Note(string line) =>
        writer?.WriteLine($"interp-eval: [{_clock.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s] {line}");

    private sealed class Task : IProgressTask
    {
        public void Increment(double units = 1) { }
        public void Complete() { }
    }
}

/// <summary>Progress bars on a terminal: one bar per phase while Scope runs; plain lines outside it.</summary>
public sealed class SpectreProgress(IAnsiConsole console) : IRunProgress
{
    private ProgressContext? _context;

    public IProgressTask Start(string description, double total)
    {
        if (_context is null)
        {
            console.MarkupLine(Markup.Escape(description));
            return new PlainTask();
        }
        return new Task(_context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total)));
    }

    public void Note(string line) => console.MarkupLine($"[grey]{Markup.Escape(line)}[/]");

    public T Scope<T>(Func<T> work) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    return work();
                }
                finally
                {
                    _context = null;
                }
            });

    private sealed class Task(ProgressTask task) : IProgressTask
    {
        public void Increment(double units = 1) => task.Increment(units);
        public void Complete() => task.Value = task.MaxValue;
    }

    private sealed class PlainTask : IProgressTask
    {
        public void Increment(double units = 1) { }
        public void Complete() { }
    }
}
