// Terminal — a Spectre.Console surface over a command's output writer: colours and ANSI only on a real terminal,
// plain text when redirected (CI logs, files, tests).
using Spectre.Console;

namespace InterpEval.Harness.Cli;

public static class Terminal
{
    public static IAnsiConsole For(TextWriter output)
    {
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
    }
}
