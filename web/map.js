/* The offline map (written by graph/maps.py): draws the network, the legend, search, filters and tooltips.
 *
 * Everything that comes from the data (names, sentences, sources, the title) goes on screen as text: canvas labels,
 * textContent, option values. Nothing is ever parsed as HTML, so a name that looks like a tag shows as itself.
 * window.allianceMap exposes the network and its DataSets (for tests and for curious users in the console).
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("map-data").textContent);
  var byId = new Map();
  data.nodes.forEach(function (n) { byId.set(n.id, n); });
  var edgeById = new Map();
  data.edges.forEach(function (e) { edgeById.set(e.id, e); });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("map");
  var tooltip = document.getElementById("tooltip");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  var state = {
    network: network, nodes: nodes, edges: edges, data: data,
    ready: false, drawnAt: null, matches: [], matchIndex: -1,
    relationOn: {}, alliance: null
  };
  window.allianceMap = state;
  Object.keys(data.relations).forEach(function (r) { state.relationOn[r] = true; });

  network.once("afterDrawing", function () {
    state.drawnAt = performance.now(); // ms since navigation start: parse + first draw
    state.ready = true;
    document.body.setAttribute("data-ready", "true");
  });

  // ---- text helpers -------------------------------------------------------------------------------------------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString("en"); }
  function relLabel(r) { return (data.relations[r] && data.relations[r].label) || r; }
  function kindLabel(k) { return (data.kinds[k] && data.kinds[k].label) || k; }
  function fold(s) { return String(s).toLocaleLowerCase(); }

  // ---- heading, counts, note ----------------------------------------------------------------------------------
  document.getElementById("title").textContent = data.title;
  document.getElementById("title").title = data.title;
  document.getElementById("counts").textContent =
    fmt(data.nodes.length) + " nodes, " + fmt(data.edges.length) + " edges";
  if (data.note) {
    var note = document.getElementById("note");
    note.textContent = data.note;
    note.hidden = false;
  }

  // ---- legend -------------------------------------------------------------------------------------------------
  var SVG = "http://www.w3.org/2000/svg";
  function svg(w, h) {
    var s = document.createElementNS(SVG, "svg");
    s.setAttribute("width", w); s.setAttribute("height", h); s.setAttribute("viewBox", "0 0 " + w + " " + h);
    s.setAttribute("aria-hidden", "true");
    return s;
  }
  function polygon(points) {
    var p = document.createElementNS(SVG, "polygon");
    p.setAttribute("points", points.map(function (xy) { return xy[0].toFixed(1) + "," + xy[1].toFixed(1); }).join(" "));
    return p;
  }
  function regular(n, r, rot) {
    var pts = [];
    for (var i = 0; i < n; i++) {
      var a = rot + 2 * Math.PI * i / n;
      pts.push([9 + r * Math.cos(a), 9 + r * Math.sin(a)]);
    }
    return pts;
  }
  function shapeIcon(shape, color) {
    var s = svg(18, 18), p;
    if (shape === "dot") {
      p = document.createElementNS(SVG, "circle");
      p.setAttribute("cx", 9); p.setAttribute("cy", 9); p.setAttribute("r", 7);
    } else if (shape === "square") {
      p = polygon([[2, 2], [16, 2], [16, 16], [2, 16]]);
    } else if (shape === "diamond") {
      p = polygon(regular(4, 8, -Math.PI / 2));
    } else if (shape === "triangle") {
      p = polygon(regular(3, 8, -Math.PI / 2));
    } else if (shape === "triangleDown") {
      p = polygon(regular(3, 8, Math.PI / 2));
    } else if (shape === "hexagon") {
      p = polygon(regular(6, 8, 0));
    } else if (shape === "star") {
      var pts = [];
      for (var i = 0; i < 10; i++) {
        var r = i % 2 ? 3.5 : 8.5, a = -Math.PI / 2 + Math.PI * i / 5;
        pts.push([9 + r * Math.cos(a), 9 + r * Math.sin(a)]);
      }
      p = polygon(pts);
    } else {
      p = polygon([[2, 2], [16, 2], [16, 16], [2, 16]]);
    }
    p.setAttribute("fill", color); p.setAttribute("stroke", "#333"); p.setAttribute("stroke-width", "0.7");
    s.appendChild(p);
    return s;
  }
  function lineIcon(style) {
    var s = svg(34, 12), line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", 1); line.setAttribute("y1", 6); line.setAttribute("x2", style.arrow ? 26 : 33); line.setAttribute("y2", 6);
    line.setAttribute("stroke", style.color); line.setAttribute("stroke-width", 2);
    if (style.dashes && style.dashes.length) { line.setAttribute("stroke-dasharray", style.dashes.join(" ")); }
    s.appendChild(line);
    if (style.arrow) {
      var head = polygon([[25, 2], [33, 6], [25, 10]]);
      head.setAttribute("fill", style.color);
      s.appendChild(head);
    }
    return s;
  }
  var kindCounts = {}, relationCounts = {};
  data.nodes.forEach(function (n) { kindCounts[n.kind] = (kindCounts[n.kind] || 0) + 1; });
  data.edges.forEach(function (e) { relationCounts[e.relation] = (relationCounts[e.relation] || 0) + 1; });
  var kindList = document.getElementById("legend-kinds");
  Object.keys(data.kinds).forEach(function (k) {
    var li = el("li");
    li.appendChild(shapeIcon(data.kinds[k].shape, data.kinds[k].color));
    li.appendChild(el("span", null, data.kinds[k].label + " (" + fmt(kindCounts[k] || 0) + ")"));
    kindList.appendChild(li);
  });
  var relationList = document.getElementById("legend-relations");
  Object.keys(data.relations).forEach(function (r) {
    var li = el("li"), label = el("label"), box = el("input");
    box.type = "checkbox"; box.checked = true; box.value = r;
    box.setAttribute("data-relation", r);
    box.addEventListener("change", function () { state.relationOn[r] = box.checked; applyFilters(); });
    label.appendChild(box);
    label.appendChild(lineIcon(data.relations[r]));
    label.appendChild(el("span", null, data.relations[r].label + " (" + fmt(relationCounts[r] || 0) + ")"));
    li.appendChild(label);
    relationList.appendChild(li);
  });

  // ---- filters: by relation (legend checkboxes) and by alliance -----------------------------------------------
  var allianceSelect = document.getElementById("alliance-filter");
  data.nodes.filter(function (n) { return n.kind === "alliance"; })
    .sort(function (a, b) { return a.name.localeCompare(b.name); })
    .forEach(function (n) {
      var option = el("option", null, n.label);
      option.value = String(n.id);
      option.title = n.name;
      allianceSelect.appendChild(option);
    });
  allianceSelect.addEventListener("change", function () {
    state.alliance = allianceSelect.value === "" ? null : Number(allianceSelect.value);
    applyFilters();
    if (state.alliance !== null) { network.fit({ nodes: visibleNodeIds(), animation: false }); }
  });
  var hiddenNodes = new Set(), hiddenEdges = new Set();
  function visibleNodeIds() {
    return data.nodes.filter(function (n) { return !hiddenNodes.has(n.id); }).map(function (n) { return n.id; });
  }
  function applyFilters() {
    var keepNodes = null;
    if (state.alliance !== null) {
      keepNodes = new Set([state.alliance]);
      data.edges.forEach(function (e) {
        if (!state.relationOn[e.relation]) { return; }
        if (e.from === state.alliance) { keepNodes.add(e.to); }
        if (e.to === state.alliance) { keepNodes.add(e.from); }
      });
    }
    var nodeUpdates = [], edgeUpdates = [], newHiddenNodes = new Set(), newHiddenEdges = new Set();
    data.nodes.forEach(function (n) {
      var hide = keepNodes !== null && !keepNodes.has(n.id);
      if (hide) { newHiddenNodes.add(n.id); }
      if (hide !== hiddenNodes.has(n.id)) { nodeUpdates.push({ id: n.id, hidden: hide }); }
    });
    data.edges.forEach(function (e) {
      var hide = !state.relationOn[e.relation] || newHiddenNodes.has(e.from) || newHiddenNodes.has(e.to);
      if (hide) { newHiddenEdges.add(e.id); }
      if (hide !== hiddenEdges.has(e.id)) { edgeUpdates.push({ id: e.id, hidden: hide }); }
    });
    hiddenNodes = newHiddenNodes; hiddenEdges = newHiddenEdges;
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
  }
  state.applyFilters = applyFilters;

  // ---- tooltips (our own, text only) --------------------------------------------------------------------------
  function evidenceBlock(ev, heading) {
    var box = el("div", "evidence");
    if (heading) { box.appendChild(el("div", "relation", heading)); }
    if (ev.text) { box.appendChild(el("div", "sentence", "\u201c" + ev.text + "\u201d")); }
    var facts = [];
    if (ev.amount !== null && ev.amount !== undefined) { facts.push("amount " + fmt(ev.amount) + (ev.currency ? " " + ev.currency : "")); }
    if (ev.confidence !== null && ev.confidence !== undefined) { facts.push("confidence " + ev.confidence); }
    if (facts.length) { box.appendChild(el("div", "meta", facts.join(" \u00b7 "))); }
    if (ev.source) { box.appendChild(el("div", "source", "source: " + ev.source)); }
    return box;
  }
  function nodeTooltip(id) {
    var n = byId.get(id), frag = document.createDocumentFragment();
    var connected = network.getConnectedEdges(id).map(function (eid) { return edgeById.get(eid); })
      .filter(function (e) { return e && !hiddenEdges.has(e.id); });
    frag.appendChild(el("div", "name", n.name));
    frag.appendChild(el("div", "meta", kindLabel(n.kind) + " \u00b7 " + fmt(connected.length) + " connection" + (connected.length === 1 ? "" : "s")));
    frag.appendChild(el("div", "meta iri", n.iri));
    var shown = 0, statements = 0;
    connected.forEach(function (e) {
      statements += e.count;
      if (shown >= 4 || !e.evidence.length) { return; }
      var other = byId.get(e.from === id ? e.to : e.from);
      var heading = e.from === id ? relLabel(e.relation) + " \u2192 " + other.name : other.name + " \u2192 " + relLabel(e.relation);
      frag.appendChild(evidenceBlock(e.evidence[0], heading));
      shown += 1;
    });
    if (statements > shown) { frag.appendChild(el("div", "more", "+ " + fmt(statements - shown) + " more statement(s): hover an edge")); }
    return frag;
  }
  function edgeTooltip(id) {
    var e = edgeById.get(id), frag = document.createDocumentFragment();
    frag.appendChild(el("div", "name", byId.get(e.from).name));
    frag.appendChild(el("div", "meta", relLabel(e.relation)));
    frag.appendChild(el("div", "name", byId.get(e.to).name));
    e.evidence.forEach(function (ev) { frag.appendChild(evidenceBlock(ev, null)); });
    if (e.count > e.evidence.length) { frag.appendChild(el("div", "more", "+ " + fmt(e.count - e.evidence.length) + " more statement(s)")); }
    return frag;
  }
  function showTooltip(content, domPoint) {
    var rect = container.getBoundingClientRect();
    tooltip.replaceChildren(content);
    tooltip.hidden = false;
    var x = rect.left + domPoint.x + 14, y = rect.top + domPoint.y + 14;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth - 4) { x = Math.max(4, rect.left + domPoint.x - w - 14); }
    if (y + h > window.innerHeight - 4) { y = Math.max(4, window.innerHeight - h - 4); }
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTooltip() { tooltip.hidden = true; tooltip.replaceChildren(); }
  network.on("hoverNode", function (p) { showTooltip(nodeTooltip(p.node), p.pointer.DOM); });
  network.on("hoverEdge", function (p) { showTooltip(edgeTooltip(p.edge), p.pointer.DOM); });
  network.on("blurNode", hideTooltip);
  network.on("blurEdge", hideTooltip);
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);

  // ---- search -------------------------------------------------------------------------------------------------
  var names = document.getElementById("names");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  if (data.nodes.length <= 20000) {
    var fragment = document.createDocumentFragment();
    data.nodes.forEach(function (n) { var o = el("option"); o.value = n.name; fragment.appendChild(o); });
    names.appendChild(fragment);
  }
  function find(query) {
    var q = fold(query.trim());
    if (!q) { return []; }
    var exact = [], partial = [];
    data.nodes.forEach(function (n) {
      var name = fold(n.name);
      if (name === q || fold(n.iri) === q) { exact.push(n); } else if (name.indexOf(q) >= 0) { partial.push(n); }
    });
    partial.sort(function (a, b) { return b.size - a.size; });
    return exact.concat(partial).map(function (n) { return n.id; });
  }
  function focusNode(id) {
    if (hiddenNodes.has(id)) { allianceSelect.value = ""; state.alliance = null; applyFilters(); }
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.2), animation: false });
    var pos = network.canvasToDOM(network.getPositions([id])[id]);
    showTooltip(nodeTooltip(id), pos);
  }
  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    if (query !== state.lastQuery) { state.matches = find(query); state.matchIndex = -1; state.lastQuery = query; }
    if (!state.matches.length) { status.textContent = "no match"; hideTooltip(); return; }
    state.matchIndex = (state.matchIndex + 1) % state.matches.length;
    focusNode(state.matches[state.matchIndex]);
    status.textContent = (state.matchIndex + 1) + " of " + fmt(state.matches.length) + (state.matches.length > 1 ? " (Find again for the next)" : "");
  });
  state.find = find;
  state.focusNode = focusNode;

  network.fit({ animation: false });
  if (data.focus !== null && data.focus !== undefined) {
    network.selectNodes([data.focus]);
  }
})();
