// CorpusDocument — one document of the labelled corpus: its text, where it came from, and its concept spans in
// UTF-8 byte offsets. It holds no tokens and does no validation (Corpus.Load does).
using System.Text;

namespace InterpEval.Interp.Data;

/// <param name="Id">Unique, stable id (source:path, e.g. "web:Gen.1" or "generated:dna/0007").</param>
/// <param name="Domain">prose, multilingual, code, dna, base64, hex, arithmetic, json or dates.</param>
/// <param name="Language">ISO 639-1 code for natural language, "python"/"javascript" for code, null for generated text.</param>
/// <param name="Source">Short source id explained in embedded/corpus/NOTICE.</param>
/// <param name="Split">Train or held-out validation.</param>
/// <param name="Text">The document text.</param>
/// <param name="Spans">Labelled byte ranges of Text's UTF-8 encoding, sorted by start; they may nest or overlap.</param>
public sealed record CorpusDocument(
    string Id,
    string Domain,
    string? Language,
    string Source,
    CorpusSplit Split,
    string Text,
    IReadOnlyList<LabelSpan> Spans)
{
    /// <summary>The text as UTF-8, the encoding the span offsets index (a fresh array on each call).</summary>
    public byte[] Utf8() => Encoding.UTF8.GetBytes(Text);

    /// <summary>The spans that carry one label, in order.</summary>
    public IEnumerable<LabelSpan> SpansLabelled(string label) => Spans.Where(s => s.Label == label);
}
