// Baseline — a stored metric snapshot for one profile, as read from or written to baselines/<profile>.json: the
// entries keyed by suite/subject/name and the provenance of the run that produced them. Reading and writing the file is
// BaselineFile; judging a run against it is Gate.

namespace InterpEval.Harness.Baselines;

/// <param name="Path">The file it was read from (as given), or where it will be written.</param>
/// <param name="Profile">The profile it belongs to.</param>
/// <param name="ToolVersion">The tool version that wrote it.</param>
/// <param name="GitCommit">The commit it was produced at, or null.</param>
/// <param name="CreatedUtc">When it was written.</param>
/// <param name="Entries">Stored metrics by key.</param>
public sealed record Baseline(
    string Path,
    string Profile,
    string ToolVersion,
    string? GitCommit,
    DateTimeOffset CreatedUtc,
    IReadOnlyDictionary<string, BaselineEntry> Entries);
