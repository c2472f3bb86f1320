// The query page of `alliances serve`: an editor, the named queries as examples, and a results table.
// Every value from the store is shown with textContent (never innerHTML), so names holding HTML or script stay
// inert text; the server's Content-Security-Policy allows scripts from this origin only.
"use strict";

(function () {
  const PREFIXES = {
    "https://w3id.org/alliances/ontology#": "al:",
    "https://w3id.org/alliances/id/": "id:",
    "https://w3id.org/alliances/doc/": "doc:",
    "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/ns/prov#": "prov:",
    "https://schema.org/": "schema:",
    "http://xmlns.com/foaf/0.1/": "foaf:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
  };
  const ENDPOINT = "sparql";
  const $ = (id) => document.getElementById(id);
  let examples = [];
  let running = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function compact(iri) {
    let best = "";
    for (const ns of Object.keys(PREFIXES)) {
      if (iri.startsWith(ns) && ns.length > best.length) best = ns;
    }
    return best ? PREFIXES[best] + iri.slice(best.length) : iri;
  }

  function status(text, kind) {
    const node = $("status");
    node.textContent = text;
    node.className = kind || "";
  }

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      const span = el("span", compact(term.value), "iri");
      span.title = term.value;
      td.appendChild(span);
    } else if (term.type === "bnode") {
      td.appendChild(el("span", "_:" + term.value, "bnode"));
    } else if (term.type === "triple") {
      const v = term.value;
      td.appendChild(el("span", "<< " + [v.subject, v.predicate, v.object].map((t) => t.value).join(" ") + " >>"));
    } else {
      td.appendChild(el("span", term.value, "literal"));
      if (term["xml:lang"]) td.appendChild(el("span", "@" + term["xml:lang"], "lang"));
    }
    return td;
  }

  function showTable(data) {
    const results = $("results");
    results.replaceChildren();
    if (typeof data.boolean === "boolean") {
      results.appendChild(el("p", data.boolean ? "true" : "false", "boolean"));
      return 1;
    }
    const vars = data.head.vars;
    const rows = data.results.bindings;
    const table = el("table");
    const head = el("tr");
    head.appendChild(el("th", "#"));
    for (const v of vars) head.appendChild(el("th", "?" + v));
    table.appendChild(el("thead")).appendChild(head);
    const body = el("tbody");
    rows.forEach((row, i) => {
      const tr = el("tr");
      tr.appendChild(el("td", i + 1, "n"));
      for (const v of vars) tr.appendChild(cell(row[v]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    results.appendChild(table);
    return rows.length;
  }

  function showText(text) {
    const results = $("results");
    results.replaceChildren();
    results.appendChild(el("pre", text, "graph"));
  }

  async function post(query, format) {
    const url = format ? ENDPOINT + "?format=" + encodeURIComponent(format) : ENDPOINT;
    return fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9",
      },
      body: query,
    });
  }

  async function run() {
    if (running) return;
    const query = $("query").value;
    const started = performance.now();
    running = true;
    $("run").disabled = true;
    status("Running…", "busy");
    try {
      const response = await post(query);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        $("results").replaceChildren();
        status("Error " + response.status + ": " + (await response.text()), "error");
        return;
      }
      let count;
      if (type.includes("json")) {
        count = showTable(await response.json());
      } else {
        const text = await response.text();
        showText(text);
        count = Number(response.headers.get("X-Alliances-Rows") || 0);
      }
      let message = count + (count === 1 ? " result" : " results") + " in " + seconds + " s";
      if (response.headers.get("X-Alliances-Truncated") === "true") {
        message += " — cut at the server's row limit; add LIMIT/OFFSET or narrow the query";
        status(message, "warning");
      } else {
        status(message, "ok");
      }
    } catch (error) {
      status("The request failed: " + error, "error");
    } finally {
      running = null;
      $("run").disabled = false;
    }
  }

  async function download() {
    const format = $("download-format").value;
    try {
      const response = await post($("query").value, format);
      if (!response.ok) {
        status("Error " + response.status + ": " + (await response.text()), "error");
        return;
      }
      const blob = await response.blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "answer." + ({ turtle: "ttl", json: "srj", xml: "srx" }[format] || format);
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      status("The download failed: " + error, "error");
    }
  }

  function choose() {
    const name = $("examples").value;
    const info = $("example-info");
    const example = examples.find((q) => q.name === name);
    if (!example) {
      info.hidden = true;
      return;
    }
    $("query").value = example.text;
    $("example-title").textContent = example.title;
    $("example-description").textContent = example.description;
    const list = $("example-parameters");
    list.replaceChildren();
    for (const p of example.parameters) {
      const item = el("li");
      item.appendChild(el("code", "?" + p.name));
      item.appendChild(document.createTextNode(
        " (" + p.type + (p.required ? "" : ", optional") + "): " + p.description +
        " — unbound here; bind it with VALUES or a FILTER, or run `alliances query " + example.name +
        " --param " + p.name + "=…`"));
      list.appendChild(item);
    }
    info.hidden = false;
  }

  async function loadExamples() {
    try {
      const response = await fetch("queries.json", { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      examples = await response.json();
      const select = $("examples");
      for (const q of examples) {
        const option = el("option", q.name + " — " + q.title);
        option.value = q.name;
        select.appendChild(option);
      }
    } catch (error) {
      status("Could not load the named queries: " + error, "error");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("endpoint").textContent = new URL(ENDPOINT, document.baseURI).href;
    $("run").addEventListener("click", run);
    $("download").addEventListener("click", download);
    $("examples").addEventListener("change", choose);
    $("query").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run();
      } else if (event.key === "Tab" && !event.shiftKey) {
        event.preventDefault();
        const area = event.target;
        const at = area.selectionStart;
        area.setRangeText("  ", at, area.selectionEnd, "end");
      }
    });
    loadExamples();
  });
})();
