// ErrorReport — the one place that turns a failure into an exit code and the line the user sees on stderr:
// parse errors and known bad-input exceptions are exit 2 with one line; anything else is exit 70 with one line and a
// hint (the stack trace with --verbose or IE_DEBUG=1). It does not decide what a regression is (gates do that).
using System.CommandLine;
using System.Text.Json;

namespace InterpEval.Harness.Tool;

public static class ErrorReport
{
    public const string Prefix = "interp-eval: ";

    /// <summary>True when the environment asks for stack traces (IE_DEBUG=1).</summary>
    public static bool DebugFromEnvironment => Environment.GetEnvironmentVariable("IE_DEBUG") == "1";

    /// <summary>The exit code an exception stands for.</summary>
    public static ExitCode Classify(Exception e) => Unwrap(e) switch
    {
        FileNotFoundException or DirectoryNotFoundException => ExitCode.BadInput,
        InterpEval.Torch.SafeTensors.SafeTensorsFormatException => ExitCode.BadInput,
        InvalidDataException => ExitCode.BadInput, // sealed: corrupt files throw it directly
        EndOfStreamException => ExitCode.BadInput, // a truncated file read with a BinaryReader
        FormatException => ExitCode.BadInput,
        JsonException => ExitCode.BadInput,
        UsageException => ExitCode.BadInput,
        _ => ExitCode.InternalError,
    };

    /// <summary>Writes the report for a failed command to stderr and returns its exit code.</summary>
    public static ExitCode Report(Exception e, TextWriter stderr, bool showStackTrace)
    {
        Exception inner = Unwrap(e);
        ExitCode code = Classify(inner);
        if (code == ExitCode.BadInput)
            stderr.WriteLine(Prefix + OneLine(inner.Message));
        else
            stderr.WriteLine($"{Prefix}internal error: {inner.GetType().Name}: {OneLine(inner.Message)}" +
                             (showStackTrace ? "" : " (rerun with --verbose for the stack trace)"));
        if (showStackTrace) stderr.WriteLine(inner.ToString());
        return code;
    }

    /// <summary>Writes the parse errors as one line to stderr; usage errors are always exit 2.</summary>
    public static ExitCode ReportParseErrors(ParseResult parseResult, TextWriter stderr)
    {
        string errors = string.Join("; ", parseResult.Errors.Select(err => OneLine(err.Message).TrimEnd('.')).Distinct());
        stderr.WriteLine($"{Prefix}{errors} — see 'interp-eval --help'");
        return ExitCode.BadInput;
    }

    /// <summary>Collapses a multi-line message (libtorch's, for example) onto one line.</summary>
    public static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Unwrap(a.InnerExceptions[0]),
        System.Reflection.TargetInvocationException { InnerException: { } i } => Unwrap(i),
        _ => e,
    };
}
