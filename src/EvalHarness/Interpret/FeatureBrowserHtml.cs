// FeatureBrowserHtml — writes the feature browser: one self-contained HTML file (inline CSS and JS, the data as JSON in
// a script element, no network) with a latent list on the left and, for the chosen latent, its density, top activating
// contexts with tokens shaded by activation, top output tokens and decoder-cosine neighbours. Layout only; no metrics.
using System.Text;
using System.Text.Json;
using InterpEval.Interp.Activations;

namespace InterpEval.Harness.Interpret;

public static class FeatureBrowserHtml
{
    public static string Render(string title, IReadOnlyList<LatentSummary> latents)
    {
        string json = JsonSerializer.Serialize(new { title, latents }, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })
            .Replace("</", "<\\/");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
            .Append(System.Net.WebUtility.HtmlEncode(title)).Append("</title>\n<style>").Append(Css).Append("</style></head>\n<body>\n")
            .Append("<header><h1 id=\"title\"></h1><input id=\"filter\" placeholder=\"latent #\" size=\"8\"></header>\n")
            .Append("<main><nav id=\"list\"></nav><section id=\"detail\"></section></main>\n")
            .Append("<script type=\"application/json\" id=\"data\">").Append(json).Append("</script>\n<script>").Append(Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private const string Css = """
        body{font:14px system-ui,sans-serif;margin:0;color:#222}
        header{display:flex;gap:1em;align-items:center;padding:.5em 1em;border-bottom:1px solid #ccc}
        h1{font-size:1.1em;margin:0}
        main{display:flex;height:calc(100vh - 3em)}
        nav{width:14em;overflow-y:auto;border-right:1px solid #ccc}
        nav div{padding:.2em .6em;cursor:pointer;display:flex;justify-content:space-between}
        nav div.sel{background:#dbe9ff}
        nav div.dead{color:#999}
        section{flex:1;overflow-y:auto;padding:0 1em}
        .ctx{font-family:ui-monospace,monospace;white-space:pre-wrap;margin:.2em 0;padding:.2em;border-bottom:1px solid #eee}
        .tok{border-radius:2px}
        .focus{outline:1px solid #c33}
        table{border-collapse:collapse}td{padding:.1em .6em}
        """;

    private const string Script = """
        (function () {
          'use strict';
          const data = JSON.parse(document.getElementById('data').textContent);
          const list = document.getElementById('list');
          const detail = document.getElementById('detail');
          document.getElementById('title').textContent = data.title;
          function el(tag, text, cls) {
            const e = document.createElement(tag);
            if (text !== undefined) e.textContent = text;
            if (cls) e.className = cls;
            return e;
          }
          function show(token) { return token.replace(/\n/g, '\u21b5').replace(/\t/g, '\u2192'); }
          function select(i) {
            const f = data.latents[i];
            for (const d of list.children) d.classList.toggle('sel', Number(d.dataset.index) === i);
            detail.replaceChildren();
            detail.append(el('h2', 'Latent ' + f.latent));
            detail.append(el('p', 'density ' + (100 * f.density).toFixed(3) + ' % of tokens, max activation ' + f.max.toFixed(3)));
            detail.append(el('h3', 'Top activating contexts'));
            if (f.contexts.length === 0) detail.append(el('p', 'never active on the sampled tokens'));
            for (const c of f.contexts) {
              const row = el('div', undefined, 'ctx');
              row.append(el('b', c.value.toFixed(3) + '  '));
              c.tokens.forEach(function (t, k) {
                const span = el('span', show(t.text), 'tok' + (k === c.focus ? ' focus' : ''));
                const a = f.max > 0 ? Math.max(0, t.value) / f.max : 0;
                span.style.background = 'rgba(255,120,0,' + a.toFixed(3) + ')';
                span.title = t.value.toFixed(4);
                row.append(span);
              });
              detail.append(row);
            }
            detail.append(el('h3', 'Top output tokens (W_dec \u00b7 W_U, final norm ignored)'));
            const out = el('table');
            for (const o of f.output_tokens) {
              const tr = el('tr');
              tr.append(el('td', JSON.stringify(o.text)), el('td', o.logit.toFixed(3)));
              out.append(tr);
            }
            detail.append(out);
            detail.append(el('h3', 'Nearest latents (decoder cosine)'));
            const nb = el('table');
            for (const n of f.neighbours) {
              const tr = el('tr');
              const link = el('td', '#' + n.latent);
              link.style.cursor = 'pointer';
              link.addEventListener('click', function () { const j = data.latents.findIndex(x => x.latent === n.latent); if (j >= 0) select(j); });
              tr.append(link, el('td', n.cosine.toFixed(3)));
              nb.append(tr);
            }
            detail.append(nb);
          }
          data.latents.forEach(function (f, i) {
            const d = el('div', undefined, f.density === 0 ? 'dead' : '');
            d.dataset.index = String(i);
            d.append(el('span', '#' + f.latent), el('span', (100 * f.density).toFixed(2) + '%'));
            d.addEventListener('click', function () { select(i); });
            list.append(d);
          });
          document.getElementById('filter').addEventListener('input', function (e) {
            const q = e.target.value.trim();
            for (const d of list.children) d.style.display = q === '' || d.firstChild.textContent === '#' + q ? '' : 'none';
          });
          if (data.latents.length > 0) select(0);
          document.body.dataset.rendered = String(data.latents.length);
        })();
        """;
}
