// The review server's page script (aligned/server). Two modes, from #config: "review" (rows,
// filters, keyboard post-editing) and "blind" (two anonymous translations, a preference).
// Every text from the store reaches the DOM through textContent or text nodes, never as markup.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const TOKEN_HEADER = "X-Songngu-Token";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function postJSON(url, payload) {
    const resp = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", [TOKEN_HEADER]: config.token },
      body: JSON.stringify(payload),
    });
    const body = await resp.json().catch(() => ({ error: "no JSON answer" }));
    if (!resp.ok) throw new Error(`error ${resp.status}: ${body.error || ""}`);
    return body;
  }

  async function getJSON(url) {
    const resp = await fetch(url);
    const body = await resp.json().catch(() => ({ error: "no JSON answer" }));
    if (!resp.ok) throw new Error(`error ${resp.status}: ${body.error || ""}`);
    return body;
  }

  const fmt = (n) => Number(n).toLocaleString("en-US");

  if (config.mode === "blind") blind();
  else review();

  // -- review mode ----------------------------------------------------------------------------

  function review() {
    const rowsBox = document.getElementById("rows");
    const statusLine = document.getElementById("status-line");
    const hasB = Boolean(config.systems.b);
    const hasRef = config.reference !== null;
    const query = { q: "", status: "", flag: "", doc: "", sort: "doc", offset: 0 };
    let page = config.first;
    let current = -1;
    let editing = null; // the row element whose editor is open

    function diffNode(side) {
      const box = el("div", "mt");
      if (!side || side.text === null) {
        box.appendChild(el("span", "missing", "no translation"));
        return box;
      }
      if (!side.diff) {
        box.textContent = side.text;
        return box;
      }
      side.diff.forEach(([text, changed], i) => {
        if (i) box.appendChild(document.createTextNode(" "));
        box.appendChild(changed ? el("mark", "chg", text) : document.createTextNode(text));
      });
      return box;
    }

    function metaNode(side) {
      const box = el("div", "meta");
      if (side.score !== null) {
        const s = el("span", "score", `score ${side.score.toFixed(2)}`);
        s.title = "model score (mean log-probability)";
        box.appendChild(s);
      }
      Object.keys(side.metrics).sort().forEach((k) => {
        box.appendChild(el("span", `metric m-${k}`, `${k} ${side.metrics[k].toFixed(1)}`));
      });
      side.checks.forEach((c) => {
        const node = el("span", "check", c.name.slice(6) + (c.detail ? `: ${c.detail}` : ""));
        node.title = c.name;
        box.appendChild(node);
      });
      return box;
    }

    function button(cls, title, text) {
      const b = el("button", cls, text);
      b.type = "button";
      b.title = title;
      return b;
    }

    function rowNode(seg, n) {
      const row = el("div", "row");
      row.dataset.id = seg.id;
      row.dataset.n = String(n);
      row.dataset.status = seg.status;
      if (seg.review) row.dataset.which = seg.review.which;
      const num = el("div", "c-n");
      num.appendChild(el("span", "num", n + 1));
      num.appendChild(el("span", "pos", `${seg.doc}:${seg.para}:${seg.sent}`));
      row.appendChild(num);
      const src = el("div", "c-src src", seg.vi);
      src.lang = "vi";
      if (seg.flags.length) {
        const meta = el("div", "meta");
        seg.flags.forEach((f) => meta.appendChild(el("span", "flag", f)));
        src.appendChild(meta);
      }
      row.appendChild(src);
      const a = el("div", "c-a sys sys-a");
      a.lang = "en";
      if (seg.review && seg.review.decision === "edit") {
        a.appendChild(el("div", "edited", seg.review.text));
        const rep = el("div", "replaced");
        rep.appendChild(el("span", "lbl", "MT replaced:"));
        rep.appendChild(document.createTextNode(" "));
        rep.appendChild(el("del", "", seg.review.judged));
        a.appendChild(rep);
      } else {
        a.appendChild(diffNode(seg.a));
      }
      a.appendChild(metaNode(seg.a));
      row.appendChild(a);
      if (hasB) {
        const b = el("div", "c-b sys sys-b");
        b.lang = "en";
        b.appendChild(diffNode(seg.b));
        if (seg.b) b.appendChild(metaNode(seg.b));
        row.appendChild(b);
      }
      if (hasRef) {
        const r = el("div", "c-ref ref");
        r.lang = "en";
        const ref = seg.ref;
        if (ref && ref.text) r.textContent = ref.text;
        else if (ref && ref.alignment && ref.alignment.endsWith(":cont"))
          r.appendChild(el("span", "note",
            `↑ one reference sentence covers this and the sentence above (${ref.alignment.slice(0, 3)})`));
        else if (ref && ref.alignment === "1-0")
          r.appendChild(el("span", "note", "no reference sentence (1-0)"));
        else r.appendChild(el("span", "missing", "no reference"));
        row.appendChild(r);
      }
      const rv = el("div", "c-review");
      const which = seg.review && seg.review.which === "B" ? " (B)" : "";
      rv.appendChild(el("span", "state", seg.status + which));
      if (seg.review && seg.review.comment) {
        const r = seg.review;
        rv.appendChild(el("span", "note comment",
          `${r.category || ""} ${r.severity || ""} ${r.comment}`));
      }
      const buttons = el("span", "buttons");
      buttons.appendChild(button("accept", "accept A (a)", "✓A"));
      if (hasB) buttons.appendChild(button("accept-b", "accept B (b)", "✓B"));
      buttons.appendChild(button("edit", "edit (e)", "✎"));
      buttons.appendChild(button("reject", "reject (r)", "✗"));
      rv.appendChild(buttons);
      row.appendChild(rv);
      return row;
    }

    function rows() {
      return Array.from(rowsBox.querySelectorAll(".row"));
    }

    function render() {
      editing = null;
      rowsBox.replaceChildren(...page.segments.map((s, i) => rowNode(s, page.offset + i)));
      document.getElementById("count").textContent = fmt(page.total);
      const first = page.total ? page.offset + 1 : 0;
      document.getElementById("range").textContent =
        `${fmt(first)}–${fmt(page.offset + page.segments.length)}`;
      if (current >= page.segments.length) current = page.segments.length - 1;
      mark();
    }

    function mark() {
      rows().forEach((r, i) => r.classList.toggle("current", i === current));
    }

    function setCurrent(i) {
      current = i;
      mark();
      const row = rows()[i];
      if (row) row.scrollIntoView({ block: "nearest" });
    }

    function params() {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v !== "" && !(k === "offset" && v === 0) && !(k === "sort" && v === "doc"))
          p.set(k, String(v));
      }
      p.set("limit", String(config.page));
      return p.toString();
    }

    let seq = 0;
    async function load(then) {
      const mine = ++seq;
      statusLine.textContent = "loading…";
      try {
        const got = await getJSON(`${config.api}?${params()}`);
        if (mine !== seq) return; // a newer request superseded this one
        page = got;
        statusLine.textContent = got.search === "scan" && query.q ?
          "search index is being built: searching by a scan" : "";
        render();
        if (then) then();
      } catch (err) {
        statusLine.textContent = String(err.message || err);
      }
    }

    async function refreshProgress() {
      try {
        const s = await getJSON("/api/stats");
        document.getElementById("reviewed").textContent = fmt(s.reviewed);
        document.getElementById("total-all").textContent = fmt(s.total);
      } catch (err) {
        statusLine.textContent = String(err.message || err);
      }
    }

    async function decide(row, payload, advance) {
      const id = row.dataset.id;
      const state = row.querySelector(".state");
      state.textContent = "saving…";
      try {
        await postJSON(`${config.api}/${encodeURIComponent(id)}/decision`, payload);
        const seg = await getJSON(`${config.api}/${encodeURIComponent(id)}`);
        const i = rows().indexOf(row);
        page.segments[i] = seg;
        const fresh = rowNode(seg, Number(row.dataset.n));
        row.replaceWith(fresh);
        if (editing === row) editing = null;
        fresh.querySelector(".state").textContent = `saved: ${seg.status}` +
          (seg.review && seg.review.which === "B" ? " (B)" : "");
        mark();
        refreshProgress();
        if (advance) move(1);
      } catch (err) {
        state.textContent = String(err.message || err);
      }
    }

    function openEditor(row) {
      if (editing && editing !== row) closeEditor();
      if (row.querySelector(".editor")) {
        row.querySelector("textarea").focus();
        return;
      }
      const seg = page.segments[rows().indexOf(row)];
      const node = document.getElementById("editor-template").content.firstElementChild.cloneNode(true);
      const area = node.querySelector("textarea");
      area.value = seg.en !== null ? seg.en : (seg.a.text || "");
      if (seg.review) {
        node.querySelector(".comment").value = seg.review.comment || "";
        node.querySelector(".category").value = seg.review.category || "";
        node.querySelector(".severity").value = seg.review.severity || "";
      }
      row.appendChild(node);
      editing = row;
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    }

    function closeEditor() {
      if (!editing) return;
      const node = editing.querySelector(".editor");
      if (node) node.remove();
      editing = null;
    }

    function notes(row) {
      const node = row.querySelector(".editor");
      if (!node) return {};
      return {
        comment: node.querySelector(".comment").value || null,
        category: node.querySelector(".category").value || null,
        severity: node.querySelector(".severity").value || null,
      };
    }

    function saveEdit(row) {
      const text = row.querySelector("textarea").value;
      if (!text.trim()) {
        row.querySelector(".state").textContent = "an edit needs text (Esc cancels)";
        return;
      }
      decide(row, { decision: "edit", text, ...notes(row) }, true);
    }

    function move(step) {
      const n = rows().length;
      const next = current + step;
      if (next >= n && page.offset + n < page.total) {
        query.offset = page.offset + config.page;
        load(() => setCurrent(0));
      } else if (next < 0 && page.offset > 0) {
        query.offset = Math.max(0, page.offset - config.page);
        load(() => setCurrent(rows().length - 1));
      } else if (n) {
        setCurrent(Math.max(0, Math.min(n - 1, next)));
      }
    }

    rowsBox.addEventListener("click", (ev) => {
      const target = ev.target.closest("button");
      const row = ev.target.closest(".row");
      if (!row) return;
      setCurrent(rows().indexOf(row));
      if (!target) return;
      if (target.classList.contains("accept")) decide(row, { decision: "accept", system: config.systems.a, ...notes(row) }, false);
      else if (target.classList.contains("accept-b")) decide(row, { decision: "accept", system: config.systems.b, ...notes(row) }, false);
      else if (target.classList.contains("reject")) decide(row, { decision: "reject", ...notes(row) }, false);
      else if (target.classList.contains("edit")) openEditor(row);
      else if (target.classList.contains("save")) saveEdit(row);
      else if (target.classList.contains("note-accept")) decide(row, { decision: "accept", ...notes(row) }, false);
      else if (target.classList.contains("note-reject")) decide(row, { decision: "reject", ...notes(row) }, false);
      else if (target.classList.contains("cancel")) closeEditor();
    });

    document.addEventListener("keydown", (ev) => {
      const inEditor = ev.target.closest && ev.target.closest(".editor");
      if (inEditor) {
        if (ev.key === "Escape") { ev.preventDefault(); closeEditor(); }
        else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
          ev.preventDefault();
          saveEdit(inEditor.closest(".row"));
        }
        return;
      }
      if (ev.target.matches && ev.target.matches("input, select, textarea")) {
        if (ev.key === "Escape") ev.target.blur();
        return;
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const row = rows()[current];
      switch (ev.key) {
        case "j": move(1); break;
        case "k": move(-1); break;
        case "n": document.getElementById("next").click(); break;
        case "p": document.getElementById("prev").click(); break;
        case "/": ev.preventDefault(); document.getElementById("search").focus(); break;
        case "a": if (row) decide(row, { decision: "accept", system: config.systems.a }, true); break;
        case "b": if (row && hasB) decide(row, { decision: "accept", system: config.systems.b }, true); break;
        case "r": if (row) decide(row, { decision: "reject" }, true); break;
        case "e": if (row) { ev.preventDefault(); openEditor(row); } break;
        case "Escape": closeEditor(); break;
        default: return;
      }
    });

    let timer = 0;
    function refilter(key, value) {
      query[key] = value;
      query.offset = 0;
      current = -1;
      clearTimeout(timer);
      timer = setTimeout(() => load(), key === "q" ? 250 : 0);
    }
    document.getElementById("search").addEventListener("input", (e) => refilter("q", e.target.value.trim()));
    document.getElementById("status-filter").addEventListener("change", (e) => refilter("status", e.target.value));
    document.getElementById("flag-filter").addEventListener("change", (e) => refilter("flag", e.target.value));
    document.getElementById("doc-filter").addEventListener("change", (e) => refilter("doc", e.target.value.trim()));
    document.getElementById("sort").addEventListener("change", (e) => refilter("sort", e.target.value));
    document.getElementById("next").addEventListener("click", () => {
      if (page.offset + page.segments.length < page.total) {
        query.offset = page.offset + config.page;
        current = -1;
        load();
      }
    });
    document.getElementById("prev").addEventListener("click", () => {
      if (page.offset > 0) {
        query.offset = Math.max(0, page.offset - config.page);
        current = -1;
        load();
      }
    });
    document.body.dataset.ready = "1";
  }

  // -- blind A/B mode ---------------------------------------------------------------------------

  function blind() {
    const box = document.getElementById("blind");
    const info = document.getElementById("blind-info");
    let ticket = null;

    async function next() {
      try {
        const got = await getJSON("/api/blind/next");
        document.getElementById("judged").textContent = fmt(got.judged);
        if (got.done) {
          ticket = null;
          box.hidden = true;
          info.textContent = "every pair that differs has your judgement: thank you";
          return;
        }
        ticket = got.ticket;
        box.hidden = false;
        box.dataset.id = got.id;
        document.getElementById("blind-source").textContent = got.vi;
        document.getElementById("left").textContent = got.left;
        document.getElementById("right").textContent = got.right;
        info.textContent = "";
      } catch (err) {
        info.textContent = String(err.message || err);
      }
    }

    async function judge(preference) {
      if (!ticket) return;
      const sent = ticket;
      ticket = null;
      try {
        await postJSON("/api/blind/judgement", { ticket: sent, preference });
        next();
      } catch (err) {
        info.textContent = String(err.message || err);
      }
    }

    document.querySelectorAll("button[data-pref]").forEach((b) => {
      b.addEventListener("click", () => judge(b.dataset.pref));
    });
    document.addEventListener("keydown", (ev) => {
      const keys = { "1": "left", ArrowLeft: "left", "2": "equal", "=": "equal",
                     "3": "right", ArrowRight: "right" };
      if (keys[ev.key]) { ev.preventDefault(); judge(keys[ev.key]); }
    });
    next().then(() => { document.body.dataset.ready = "1"; });
  }
})();
