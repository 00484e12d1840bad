// GraphViewerHtml — a self-contained offline page for any attribution graph in the circuit-tracer / Neuronpedia layout:
// tokens along the bottom, layers up the side, one SVG element per node (data-node-id) sized by influence, links drawn
// by |weight| and coloured by sign (blue positive, red negative); click a node for its details, its top activating
// contexts (when given) and its input and output links; pin nodes and show only the pinned subgraph. The graph JSON and
// contexts are embedded as data; the page loads nothing from the network. It computes no graph.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InterpEval.Interp.Circuits;
using InterpEval.Interp.IO;

namespace InterpEval.Harness.Circuits;

public static class GraphViewerHtml
{
    /// <summary>Writes the page for a graph (atomically).</summary>
    public static void Save(AttributionGraph graph, string path, IReadOnlyDictionary<string, IReadOnlyList<TopContext>>? contexts = null) =>
        AtomicFile.WriteAllText(path, Render(GraphJson.ToJsonString(graph), contexts));

    /// <summary>The page for graph JSON text (ours or any circuit-tracer / Neuronpedia graph).</summary>
    public static string Render(string graphJson, IReadOnlyDictionary<string, IReadOnlyList<TopContext>>? contexts = null)
    {
        var ctx = new JsonObject();
        if (contexts is not null)
            foreach (var (id, list) in contexts)
                ctx[id] = new JsonArray(list.Select(c => (JsonNode)new JsonObject
                {
                    ["before"] = c.Before, ["token"] = c.Token, ["after"] = c.After, ["activation"] = Math.Round(c.Activation, 4),
                }).ToArray());
        string title = "attribution graph";
        try
        {
            if (JsonNode.Parse(graphJson)?["metadata"]?["prompt"]?.GetValue<string>() is { } p) title = "attribution graph: " + p;
        }
        catch (JsonException)
        {
        }
        return Template
            .Replace("__TITLE__", System.Net.WebUtility.HtmlEncode(title), StringComparison.Ordinal)
            .Replace("__GRAPH__", ScriptSafe(graphJson), StringComparison.Ordinal)
            .Replace("__CONTEXTS__", ScriptSafe(ctx.ToJsonString()), StringComparison.Ordinal);
    }

    // JSON inside <script type="application/json">: only "</" could end the element early.
    private static string ScriptSafe(string json) => new StringBuilder(json).Replace("</", "<\\/").ToString();

    private const string Template = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; display: flex; height: 100vh; color: #222; }
  #main { flex: 1; overflow: auto; }
  #side { width: 360px; border-left: 1px solid #ccc; padding: 8px 12px; overflow: auto; font-size: 13px; }
  #bar { padding: 6px 10px; border-bottom: 1px solid #ddd; font-size: 13px; }
  svg text { font-size: 11px; fill: #333; }
  .node { cursor: pointer; stroke: #333; stroke-width: 0.6; }
  .node.selected { stroke: #000; stroke-width: 2.5; }
  .node.pinned { stroke: #e69500; stroke-width: 2.5; }
  .link { fill: none; }
  .hidden { display: none; }
  table { border-collapse: collapse; width: 100%; }
  td { padding: 1px 4px; border-bottom: 1px solid #eee; vertical-align: top; }
  .pos { color: #1f5fbf; } .neg { color: #c0392b; }
  .ctx { font-family: monospace; white-space: pre-wrap; margin: 2px 0; }
  .ctx b { background: #ffd27f; }
  button { font-size: 12px; }
</style>
</head>
<body>
<div id="main">
  <div id="bar"><span id="summary"></span>
    <button id="pin">pin / unpin selected</button>
    <label><input type="checkbox" id="onlyPinned"> show pinned subgraph only</label>
    <button id="clearPins">clear pins</button>
  </div>
  <svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>
</div>
<div id="side"><p>Click a node to see its details, top activating contexts and links.</p></div>
<script type="application/json" id="graph-data">__GRAPH__</script>
<script type="application/json" id="context-data">__CONTEXTS__</script>
<script>
"use strict";
(function () {
  const graph = JSON.parse(document.getElementById("graph-data").textContent);
  const contexts = JSON.parse(document.getElementById("context-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const nodes = graph.nodes || [];
  const links = graph.links || [];
  const meta = graph.metadata || {};
  const tokens = meta.prompt_tokens || [];
  const byId = new Map();
  nodes.forEach((n, i) => { n._i = i; if (!byId.has(n.node_id)) byId.set(n.node_id, n); n._in = []; n._out = []; });
  const layerOf = n => n.feature_type === "embedding" || n.layer === "E" ? -1 : Number(n.layer);
  // Rows: embeddings, then one per layer up to the deepest feature or error, then the logits right above it.
  const inner = nodes.filter(n => n.feature_type !== "logit").map(layerOf).filter(x => Number.isFinite(x));
  const maxLayer = Math.max(0, ...inner);
  const hasLogits = nodes.some(n => n.feature_type === "logit");
  const nCtx = Math.max(tokens.length, ...nodes.map(n => (n.ctx_idx || 0) + 1));
  const rowOf = n => {
    if (n.feature_type === "logit") return maxLayer + 2;
    const l = layerOf(n);
    return Number.isFinite(l) ? Math.min(l, maxLayer) + 1 : 0;
  };
  const nRows = maxLayer + 2 + (hasLogits ? 1 : 0);
  // Cells (ctx, row) spread their nodes side by side; column width grows with the busiest cell at that position.
  const cells = new Map();
  nodes.forEach(n => { const k = (n.ctx_idx || 0) + ":" + rowOf(n); if (!cells.has(k)) cells.set(k, []); cells.get(k).push(n); });
  const colWidth = new Array(nCtx).fill(60);
  cells.forEach((list, k) => { const c = Number(k.split(":")[0]); colWidth[c] = Math.max(colWidth[c], list.length * 18 + 20); });
  const colX = []; let acc = 50; for (let c = 0; c < nCtx; c++) { colX.push(acc); acc += colWidth[c]; }
  const width = acc + 40, rowH = 54, height = nRows * rowH + 70;
  const svg = document.getElementById("graph");
  svg.setAttribute("width", width); svg.setAttribute("height", height);
  const yOf = row => height - 50 - row * rowH;
  cells.forEach((list, k) => {
    const [c, r] = k.split(":").map(Number);
    list.forEach((n, j) => { n._x = colX[c] + 12 + j * 18; n._y = yOf(r); });
  });
  links.forEach(l => { const s = byId.get(l.source), t = byId.get(l.target); if (s && t) { s._out.push(l); t._in.push(l); } });
  const maxAbs = Math.max(1e-12, ...links.map(l => Math.abs(l.weight)));
  const gLinks = document.createElementNS(SVG, "g"), gNodes = document.createElementNS(SVG, "g"), gAxes = document.createElementNS(SVG, "g");
  svg.append(gAxes, gLinks, gNodes);
  for (let r = 0; r < nRows; r++) {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", 4); t.setAttribute("y", yOf(r) + 4);
    t.textContent = r === 0 ? "Emb" : (r === maxLayer + 2 ? "Lgt" : "L" + (r - 1));
    gAxes.append(t);
  }
  for (let c = 0; c < nCtx; c++) {
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", colX[c] + 6); t.setAttribute("y", height - 18);
    t.textContent = tokens[c] !== undefined ? JSON.stringify(tokens[c]).slice(1, -1).slice(0, 12) : String(c);
    gAxes.append(t);
  }
  const linkEls = links.map(l => {
    const s = byId.get(l.source), t = byId.get(l.target);
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("class", "link");
    if (s && t) p.setAttribute("d", `M${s._x},${s._y} C${s._x},${(s._y + t._y) / 2} ${t._x},${(s._y + t._y) / 2} ${t._x},${t._y}`);
    const a = Math.abs(l.weight) / maxAbs;
    p.setAttribute("stroke", l.weight >= 0 ? "#1f5fbf" : "#c0392b");
    p.setAttribute("stroke-width", (0.3 + 3.5 * a).toFixed(2));
    p.setAttribute("stroke-opacity", (0.15 + 0.6 * a).toFixed(2));
    p._link = l;
    gLinks.append(p);
    return p;
  });
  const color = n => ({ "embedding": "#9bc53d", "logit": "#e55934", "mlp reconstruction error": "#aaaaaa" })[n.feature_type] || "#5bc0eb";
  const radius = n => {
    if (n.feature_type === "logit") return 4 + 8 * Math.sqrt(n.token_prob || 0);
    const inf = typeof n.influence === "number" ? n.influence : 1;
    return 3 + 7 * Math.max(0, 1 - inf);
  };
  const nodeEls = nodes.map(n => {
    const el = n.feature_type === "mlp reconstruction error" ? document.createElementNS(SVG, "rect") : document.createElementNS(SVG, "circle");
    const r = radius(n);
    if (el.tagName === "rect") { el.setAttribute("x", n._x - r); el.setAttribute("y", n._y - r); el.setAttribute("width", 2 * r); el.setAttribute("height", 2 * r); }
    else { el.setAttribute("cx", n._x); el.setAttribute("cy", n._y); el.setAttribute("r", r); }
    el.setAttribute("class", "node");
    el.setAttribute("fill", color(n));
    el.setAttribute("data-node-id", n.node_id);
    const title = document.createElementNS(SVG, "title");
    title.textContent = n.node_id + (n.clerp ? " — " + n.clerp : "");
    el.append(title);
    el.addEventListener("click", () => select(n));
    gNodes.append(el);
    return el;
  });
  const pinned = new Set((graph.qParams && graph.qParams.pinnedIds) || []);
  let selected = null;
  const esc = s => String(s).replace(/[&<>"]/g, ch => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" })[ch]);
  const fmt = x => typeof x === "number" ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(3)) : (x === null || x === undefined ? "–" : esc(x));
  function linkRows(list, other) {
    return list.slice().sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 40)
      .map(l => `<tr><td>${esc(l[other])}</td><td class="${l.weight >= 0 ? "pos" : "neg"}">${fmt(l.weight)}</td></tr>`).join("");
  }
  function select(n) {
    selected = n;
    nodeEls.forEach((el, i) => el.classList.toggle("selected", nodes[i] === n));
    const ctx = contexts[n.node_id] || [];
    const side = document.getElementById("side");
    side.innerHTML =
      `<h3>${esc(n.node_id)}</h3><table>` +
      `<tr><td>type</td><td>${esc(n.feature_type)}</td></tr><tr><td>layer</td><td>${esc(n.layer)}</td></tr>` +
      `<tr><td>position</td><td>${fmt(n.ctx_idx)} ${tokens[n.ctx_idx] !== undefined ? esc(JSON.stringify(tokens[n.ctx_idx])) : ""}</td></tr>` +
      `<tr><td>feature</td><td>${fmt(n.feature)}</td></tr><tr><td>activation</td><td>${fmt(n.activation)}</td></tr>` +
      `<tr><td>influence</td><td>${fmt(n.influence)}</td></tr>` + (n.clerp ? `<tr><td>label</td><td>${esc(n.clerp)}</td></tr>` : "") + `</table>` +
      (ctx.length ? `<h4>top activating contexts</h4>` + ctx.map(c => `<div class="ctx">${esc(c.before)}<b>${esc(c.token)}</b>${esc(c.after)} <i>(${fmt(c.activation)})</i></div>`).join("") : "") +
      `<h4>inputs (${n._in.length})</h4><table>${linkRows(n._in, "source")}</table>` +
      `<h4>outputs (${n._out.length})</h4><table>${linkRows(n._out, "target")}</table>`;
  }
  function refresh() {
    const only = document.getElementById("onlyPinned").checked && pinned.size > 0;
    nodeEls.forEach((el, i) => {
      el.classList.toggle("pinned", pinned.has(nodes[i].node_id));
      el.classList.toggle("hidden", only && !pinned.has(nodes[i].node_id));
    });
    linkEls.forEach(p => p.classList.toggle("hidden", only && !(pinned.has(p._link.source) && pinned.has(p._link.target))));
  }
  document.getElementById("pin").addEventListener("click", () => {
    if (!selected) return;
    if (pinned.has(selected.node_id)) pinned.delete(selected.node_id); else pinned.add(selected.node_id);
    refresh();
  });
  document.getElementById("onlyPinned").addEventListener("change", refresh);
  document.getElementById("clearPins").addEventListener("click", () => { pinned.clear(); refresh(); });
  document.getElementById("summary").textContent =
    `${meta.prompt !== undefined ? JSON.stringify(meta.prompt) : ""} — ${nodes.length} nodes, ${links.length} links` + (meta.scan ? ` — ${meta.scan}` : "");
  refresh();
  svg.setAttribute("data-rendered", String(nodeEls.length));
})();
</script>
</body>
</html>
""";
}
