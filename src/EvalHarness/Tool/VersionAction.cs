// VersionAction — what --version prints: the tool's version and the libtorch version the shim was built against.
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using InterpEval.Torch;

namespace InterpEval.Harness.Tool;

internal sealed class VersionAction : SynchronousCommandLineAction
{
    /// <summary>The informational version (0.1.0, with +commit when the build knows it).</summary>
    public static string ToolVersion =>
        typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionAction).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public override int Invoke(ParseResult parseResult)
    {
        TextWriter output = parseResult.InvocationConfiguration.Output;
        output.WriteLine($"interp-eval {ToolVersion}");
        output.WriteLine($"libtorch {TorchRuntime.Version}");
        return (int)ExitCode.Ok;
    }
}
