// MsBuildExporter — msbuild.txt: one canonical MSBuild diagnostic per failing metric, pointing at the metric's line in
// the baseline file (`baselines/smoke.json(12): error IE0001: ...`), so MSBuild's Exec task and IDEs show regressions as
// build errors. Codes: IE0001 regressed, IE0002 missing (an error when it fails the gate, else a warning).
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;

namespace InterpEval.Harness.Exporters;

public sealed class MsBuildExporter : IExporter
{
    public const string RegressionCode = "IE0001";
    public const string MissingCode = "IE0002";

    public string Name => "msbuild";
    public string FileName => "msbuild.txt";

    public void Export(RunResult run, TextWriter writer)
    {
        if (run.Gate is not { } gate) return;
        foreach (MetricConclusion c in gate.Conclusions)
        {
            if (c.Verdict is not (Verdict.Regressed or Verdict.Missing)) continue;
            bool error = c.Verdict == Verdict.Regressed || gate.FailOnMissing;
            string code = c.Verdict == Verdict.Regressed ? RegressionCode : MissingCode;
            writer.Write($"{gate.BaselinePath}({c.Baseline?.Line ?? 1}): {(error ? "error" : "warning")} {code}: {c.Message}\n");
        }
    }
}
