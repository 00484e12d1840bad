// Terminal — a Spectre.Console surface over a command's output writer: colours and ANSI only on a real terminal,
// plain text when redirected (CI logs, files, tests).
using Spectre.Console;

namespace InterpEval.Harness.Tool;

public static class Terminal
{
    /// <summary>A console over output; width (when given) fixes the layout width where output is not a terminal.</summary>
    public static IAnsiConsole For(TextWriter output, int? width = null)
    {
        bool terminal = IsTerminal(output);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal && width is { } w) console.Profile.Width = w;
        return console;
    }

    /// <summary>Progress for a long command: live bars on a terminal, plain lines on stderr otherwise.</summary>
    public static IRunProgress Progress(TextWriter output, TextWriter error) =>
        IsTerminal(output) ? new SpectreProgress(For(output)) : new PlainProgress(error);

    /// <summary>True when output is the process's console and that console is a terminal (not redirected).</summary>
    public static bool IsTerminal(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
}
