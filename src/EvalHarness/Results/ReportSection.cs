// ReportSection — a finished part of the HTML report that a run's extension made (the sweep's laws and plots): an id and
// its HTML, appended by the report exporter as given. The numbers behind it are in the run's records.
namespace InterpEval.Harness.Results;

/// <param name="Id">The section's element id (sweep).</param>
/// <param name="Html">Self-contained HTML (inline SVG), headed by an h2.</param>
public sealed record ReportSection(string Id, string Html);
