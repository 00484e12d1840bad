// JUnitExporter — junit.xml for CI test reporters: one <testsuite> per metric suite, one <testcase> per metric; a
// regression (or a missing metric that fails the gate) is a <failure> naming the metric and the numbers. A records-only
// run writes every metric as a passing case with its value in <system-out>.
using System.Globalization;
using System.Text;
using System.Xml;
using InterpEval.Harness.Gates;
using InterpEval.Harness.Results;
using InterpEval.Harness.Tool;
using InterpEval.Suites;

namespace InterpEval.Harness.Exporters;

public sealed class JUnitExporter : IExporter
{
    public string Name => "junit";
    public string FileName => "junit.xml";

    private sealed record Case(string Suite, string Subject, string Metric, string Output, MetricConclusion? Conclusion, bool Fails);

    public void Export(RunResult run, TextWriter writer)
    {
        List<Case> cases = Cases(run);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new UTF8Encoding(false) };
        using var stream = new MemoryStream();
        using (XmlWriter x = XmlWriter.Create(stream, settings))
        {
            x.WriteStartElement("testsuites");
            x.WriteAttributeString("name", $"interp-eval {run.Info.Profile}");
            x.WriteAttributeString("tests", Str(cases.Count));
            x.WriteAttributeString("failures", Str(cases.Count(c => c.Fails)));
            x.WriteAttributeString("time", Numbers.RoundTrip(Math.Round(run.Info.DurationSeconds, 3)));
            foreach (IGrouping<string, Case> suite in cases.GroupBy(c => c.Suite)) WriteSuite(x, suite, run.Info);
            x.WriteEndElement();
        }
        writer.Write(Encoding.UTF8.GetString(stream.ToArray()));
        writer.Write('\n');
    }

    private static List<Case> Cases(RunResult run)
    {
        if (run.Gate is null)
            return run.Records.Select(r => new Case(r.Suite, r.Subject, r.Name, $"{r.Key} = {Numbers.Format(r.Value)} {r.Unit}".TrimEnd(), null, false)).ToList();
        return run.Gate.Conclusions.Select(c =>
        {
            string[] p = ConsoleTableExporter.SplitKey(c.Key);
            bool fails = c.Verdict == Verdict.Regressed || (run.Gate.FailOnMissing && c.Verdict == Verdict.Missing);
            return new Case(p[0], p[1], p[2], c.Message, c, fails);
        }).ToList();
    }

    private static void WriteSuite(XmlWriter x, IGrouping<string, Case> suite, RunInfo info)
    {
        x.WriteStartElement("testsuite");
        x.WriteAttributeString("name", suite.Key);
        x.WriteAttributeString("tests", Str(suite.Count()));
        x.WriteAttributeString("failures", Str(suite.Count(c => c.Fails)));
        x.WriteAttributeString("errors", "0");
        x.WriteAttributeString("skipped", Str(suite.Count(c => !c.Fails && c.Conclusion?.Verdict == Verdict.Missing)));
        x.WriteAttributeString("timestamp", info.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        foreach (Case c in suite) WriteCase(x, c);
        x.WriteEndElement();
    }

    private static void WriteCase(XmlWriter x, Case c)
    {
        x.WriteStartElement("testcase");
        x.WriteAttributeString("classname", $"{c.Suite}.{c.Subject}");
        x.WriteAttributeString("name", c.Metric);
        x.WriteAttributeString("time", "0");
        if (c.Fails)
        {
            x.WriteStartElement("failure");
            x.WriteAttributeString("type", c.Conclusion!.Verdict.Name());
            x.WriteAttributeString("message", c.Output);
            x.WriteString(c.Output);
            x.WriteEndElement();
        }
        else if (c.Conclusion?.Verdict == Verdict.Missing)
        {
            x.WriteStartElement("skipped");
            x.WriteAttributeString("message", c.Output);
            x.WriteEndElement();
        }
        else x.WriteElementString("system-out", c.Output);
        x.WriteEndElement();
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
