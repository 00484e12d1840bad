// GitHubAnnotationsExporter — github-annotations.txt: GitHub Actions workflow commands (`::error file=…,line=…::…`)
// for regressions and missing metrics and `::notice` for improvements, escaped as the runner requires. Printed to
// stdout by `run` when GITHUB_ACTIONS is set, so a pull request shows them on the baseline file.
using System.Text;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;

namespace InterpEval.Harness.Exporters;

public sealed class GitHubAnnotationsExporter : IExporter
{
    public string Name => "github";
    public string FileName => "github-annotations.txt";

    public void Export(RunResult run, TextWriter writer)
    {
        if (run.Gate is not { } gate) return;
        foreach (MetricConclusion c in gate.Conclusions)
        {
            string? command = c.Verdict switch
            {
                Verdict.Regressed => "error",
                Verdict.Missing => gate.FailOnMissing ? "error" : "warning",
                Verdict.Improved => "notice",
                _ => null,
            };
            if (command is null) continue;
            string title = $"interp-eval: {c.Verdict.Name()} {c.Key}";
            writer.Write($"::{command} file={Property(gate.BaselinePath)},line={c.Baseline?.Line ?? 1},title={Property(title)}::{Data(c.Message)}\n");
        }
    }

    /// <summary>Escapes a message (the runner's escapeData: %, CR, LF).</summary>
    internal static string Data(string s) => new StringBuilder(s).Replace("%", "%25").Replace("\r", "%0D").Replace("\n", "%0A").ToString();

    /// <summary>Escapes a property value (escapeProperty: also ':' and ',').</summary>
    internal static string Property(string s) => new StringBuilder(Data(s)).Replace(":", "%3A").Replace(",", "%2C").ToString();
}
