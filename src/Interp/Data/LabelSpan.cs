// LabelSpan — one labelled range of a corpus document, in UTF-8 bytes of its text so byte-level tokens can be
// labelled by overlap. It knows nothing of tokens or of what a label means (docs/corpus.md lists the rules).
namespace InterpEval.Interp.Data;

/// <summary>The bytes [StartByte, EndByte) of a document's UTF-8 text carry the concept <see cref="Label"/>.</summary>
public readonly record struct LabelSpan(int StartByte, int EndByte, string Label)
{
    public int ByteLength => EndByte - StartByte;

    /// <summary>True when the span shares at least one byte with [start, end).</summary>
    public bool Overlaps(int start, int end) => StartByte < end && start < EndByte;
}
