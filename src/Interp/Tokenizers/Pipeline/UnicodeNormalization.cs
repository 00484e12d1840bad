// UnicodeNormalization — NFC, NFD, NFKC and NFKD (UAX #15) in managed code from UnicodeNormalizationData: full
// decomposition (Hangul algorithmically), canonical ordering by combining class, canonical composition. Needed because
// the repo runs with InvariantGlobalization, where string.Normalize returns its input. Lone surrogates pass through.
using System.Globalization;
using System.Text;

namespace InterpEval.Interp.Tokenizers.Pipeline;

internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> tables = new(Load);

    private sealed record Tables(Dictionary<int, int> Ccc, Dictionary<int, int[]> Canonical, Dictionary<int, int[]> Compatibility,
        Dictionary<long, int> Compose);

    public static string Normalize(string text, NormalizationForm form)
    {
        bool ascii = true;
        foreach (char c in text) if (c >= 0x80) { ascii = false; break; }
        if (ascii) return text;
        var t = tables.Value;
        bool compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var cps = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) cp = char.ConvertToUtf32(text[i], text[++i]);
            Decompose(cp, compat, t, cps);
        }
        Reorder(cps, t);
        if (form is NormalizationForm.FormC or NormalizationForm.FormKC) Compose(cps, t);
        var sb = new StringBuilder(cps.Count);
        foreach (int cp in cps)
            if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp);
            else sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compat, Tables t, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            int s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (t.Canonical.TryGetValue(cp, out var parts) || (compat && t.Compatibility.TryGetValue(cp, out parts)))
            foreach (int p in parts) Decompose(p, compat, t, output);
        else output.Add(cp);
    }

    private static int Ccc(int cp, Tables t) => t.Ccc.TryGetValue(cp, out int c) ? c : 0;

    // Canonical ordering: a stable sort of each run of non-starters by combining class.
    private static void Reorder(List<int> cps, Tables t)
    {
        for (int i = 0; i < cps.Count;)
        {
            if (Ccc(cps[i], t) == 0) { i++; continue; }
            int end = i;
            while (end < cps.Count && Ccc(cps[end], t) != 0) end++;
            if (end - i > 1)
            {
                var run = cps.GetRange(i, end - i).OrderBy(cp => Ccc(cp, t)).ToList();   // OrderBy is stable
                for (int k = 0; k < run.Count; k++) cps[i + k] = run[k];
            }
            i = end;
        }
    }

    // Canonical composition (UAX #15 §1.3): each character joins the last starter unless blocked.
    private static void Compose(List<int> cps, Tables t)
    {
        if (cps.Count < 2) return;
        var result = new List<int>(cps.Count);
        int starter = -1, lastCcc = -1;
        foreach (int cp in cps)
        {
            int ccc = Ccc(cp, t);
            if (starter >= 0 && (lastCcc < ccc || (lastCcc == 0 && result.Count - 1 == starter)) && TryCompose(result[starter], cp, t, out int composed))
            {
                result[starter] = composed;
                continue;
            }
            if (ccc == 0) { starter = result.Count; lastCcc = 0; }
            else lastCcc = ccc;
            result.Add(cp);
            if (ccc == 0) lastCcc = 0;
        }
        cps.Clear();
        cps.AddRange(result);
    }

    private static bool TryCompose(int a, int b, Tables t, out int composed)
    {
        if (a is >= LBase and < LBase + LCount && b is >= VBase and < VBase + VCount)
        {
            composed = SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
            return true;
        }
        if (a is >= SBase and < SBase + SCount && (a - SBase) % TCount == 0 && b is > TBase and < TBase + TCount)
        {
            composed = a + (b - TBase);
            return true;
        }
        return t.Compose.TryGetValue(((long)a << 21) | (uint)b, out composed);
    }

    private static Tables Load()
    {
        var ccc = new Dictionary<int, int>();
        var canonical = new Dictionary<int, int[]>();
        var compatibility = new Dictionary<int, int[]>();
        var compose = new Dictionary<long, int>();
        foreach (string entry in UnicodeNormalizationData.Entries.Split(';'))
        {
            string[] f = entry.Split(',');
            int cp = int.Parse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int c = int.Parse(f[1], CultureInfo.InvariantCulture);
            if (c != 0) ccc[cp] = c;
            if (f[2].Length == 0) continue;
            int[] parts = f[2][1..].Split(' ').Select(h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            if (f[2][0] == 'k') compatibility[cp] = parts;
            else canonical[cp] = parts;
            if (f[2][0] == 'C') compose[((long)parts[0] << 21) | (uint)parts[1]] = cp;
        }
        return new Tables(ccc, canonical, compatibility, compose);
    }
}
