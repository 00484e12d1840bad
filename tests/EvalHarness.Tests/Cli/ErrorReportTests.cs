// The exception → exit-code mapping (ErrorReport), class by class, and its wiring through the entry point: a failure
// inside a command becomes exit 2 or 70 with one line on stderr.
using System.CommandLine;
using System.Text.Json;
using InterpEval.Harness.Cli;
using InterpEval.Harness.Tool;
using InterpEval.Torch;

namespace InterpEval.Harness.Tests.Cli;

public class ErrorReportTests
{
    private static IEnumerable<TestCaseData> BadInput()
    {
        yield return new TestCaseData(new FileNotFoundException("model.safetensors: not found")).SetArgDisplayNames("FileNotFound");
        yield return new TestCaseData(new DirectoryNotFoundException("dicts/: no such directory")).SetArgDisplayNames("DirectoryNotFound");
        yield return new TestCaseData(new InvalidDataException("x.safetensors: header length past the end")).SetArgDisplayNames("InvalidData");
        yield return new TestCaseData(new EndOfStreamException("x.safetensors: truncated")).SetArgDisplayNames("EndOfStream");
        yield return new TestCaseData(new FormatException("cfg.json: d_sae is 'wide'")).SetArgDisplayNames("Format");
        yield return new TestCaseData(new JsonException("cfg.json: unexpected end")).SetArgDisplayNames("Json");
        yield return new TestCaseData(new UsageException("--device: no CUDA")).SetArgDisplayNames("Usage");
        yield return new TestCaseData(new AggregateException(new FileNotFoundException("inside a task"))).SetArgDisplayNames("AggregateOfOne");
    }

    private static IEnumerable<TestCaseData> Internal()
    {
        yield return new TestCaseData(new InvalidOperationException("state")).SetArgDisplayNames("InvalidOperation");
        yield return new TestCaseData(new NullReferenceException("null")).SetArgDisplayNames("NullReference");
        yield return new TestCaseData(new ArgumentException("a bug, not an option")).SetArgDisplayNames("PlainArgument");
        yield return new TestCaseData(new ArgumentOutOfRangeException("dim")).SetArgDisplayNames("ArgumentOutOfRange");
        yield return new TestCaseData(new TorchException("mat1 and mat2 shapes cannot be multiplied")).SetArgDisplayNames("Torch");
        yield return new TestCaseData(new IOException("disk full")).SetArgDisplayNames("IO");
    }

    [TestCaseSource(nameof(BadInput))]
    public void BadInputIsExit2WithTheMessageOnOneLine(Exception e)
    {
        var stderr = new StringWriter();
        ExitCode code = ErrorReport.Report(e, stderr, showStackTrace: false);
        Assert.That(code, Is.EqualTo(ExitCode.BadInput));
        string expectedMessage = e is AggregateException a ? a.InnerExceptions[0].Message : e.Message;
        Assert.That(stderr.ToString(), Is.EqualTo("interp-eval: " + expectedMessage + Environment.NewLine));
    }

    [TestCaseSource(nameof(Internal))]
    public void AnythingElseIsExit70WithAHint(Exception e)
    {
        var stderr = new StringWriter();
        ExitCode code = ErrorReport.Report(e, stderr, showStackTrace: false);
        Assert.That(code, Is.EqualTo(ExitCode.InternalError));
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stderr.ToString());
        Assert.That(lines[0], Does.StartWith("interp-eval: internal error: " + e.GetType().Name).And.Contain("--verbose"));
    }

    [Test]
    public void MultiLineMessagesAreFoldedOntoOneLine()
    {
        var stderr = new StringWriter();
        ErrorReport.Report(new InvalidDataException("first\nsecond\n"), stderr, showStackTrace: false);
        Assert.That(stderr.ToString(), Is.EqualTo("interp-eval: first second" + Environment.NewLine));
    }

    [Test]
    public void ExitCodesKeepTheirPromisedValues()
    {
        Assert.That((int)ExitCode.Ok, Is.EqualTo(0));
        Assert.That((int)ExitCode.Regression, Is.EqualTo(1));
        Assert.That((int)ExitCode.BadInput, Is.EqualTo(2));
        Assert.That((int)ExitCode.InternalError, Is.EqualTo(70));
    }

    private static Command RootThatThrows(Exception e)
    {
        Command root = InterpEvalCli.CreateRootCommand();
        var boom = new Command("boom", "fails on purpose");
        boom.SetAction(new Func<ParseResult, int>(_ => throw e));
        root.Subcommands.Add(boom);
        return root;
    }

    [Test]
    public void AFileNotFoundInsideACommandIsExit2ThroughTheEntryPoint()
    {
        CliResult r = CliRunner.Run(RootThatThrows(new FileNotFoundException("baselines/smoke.json: not found")), "boom");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        Assert.That(r.Stderr, Is.EqualTo("interp-eval: baselines/smoke.json: not found" + Environment.NewLine));
    }

    [Test]
    public void AnUnexpectedFailureInsideACommandIsExit70AndVerboseShowsTheStack()
    {
        Assume.That(ErrorReport.DebugFromEnvironment, Is.False, "IE_DEBUG=1 is set: stack traces always print");
        CliResult quiet = CliRunner.Run(RootThatThrows(new InvalidOperationException("kaput")), "boom");
        Assert.That(quiet.ExitCode, Is.EqualTo(70), quiet.ToString());
        Assert.That(quiet.StderrLines, Has.Length.EqualTo(1));
        Assert.That(quiet.Stderr, Does.Contain("kaput").And.Contain("--verbose"));

        CliResult verbose = CliRunner.Run(RootThatThrows(new InvalidOperationException("kaput")), "boom", "--verbose");
        Assert.That(verbose.ExitCode, Is.EqualTo(70));
        Assert.That(verbose.StderrLines.Length, Is.GreaterThan(1), "stack trace printed");
        Assert.That(verbose.Stderr, Does.Contain("InvalidOperationException: kaput").And.Contain(" at "));
    }
}
