// xacct console: opens the edge a graph click names, and follows the
// decision trail with server-sent events. No framework, no build step.
"use strict";
function openTarget() {
  var id = location.hash.slice(1);
  if (!id) return;
  var d = document.getElementById(id);
  if (d && d.tagName === "DETAILS") d.open = true;
  document.querySelectorAll("path.edge.selected").forEach(function (p) { p.classList.remove("selected"); });
  var p = document.getElementById("edge-path-" + id.replace("edge-", ""));
  if (p) p.classList.add("selected");
}
window.addEventListener("hashchange", openTarget);
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function code(text) { return el("code", "", text); }
function fmtTime(t) { return t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z") : ""; }
function addRecord(body, r) {
  var denied = r.decision !== "allowed";
  var tr = el("tr", "rec fresh " + (denied ? "denied" : "allowed"));
  tr.dataset.seq = r.seq;
  var cells = [el("td", "", fmtTime(r.time)), el("td", "decision", r.decision), el("td"), el("td", "", r.action), el("td"), el("td", "", r.function || "")];
  cells[2].appendChild(code(r.principal));
  cells[4].appendChild(code(r.resource));
  cells.forEach(function (c) { tr.appendChild(c); });
  var rows = [tr];
  if (denied) {
    var d = el("tr", "diag fresh");
    d.dataset.seq = r.seq;
    var td = el("td");
    td.colSpan = 6;
    var det = el("details");
    det.open = true;
    det.appendChild(el("summary", "", "why"));
    det.appendChild(el("p", "diagnosis", r.diagnosis || ""));
    (r.statements || []).forEach(function (s) {
      det.appendChild(el("p", "small", s.match + ": " + s.effect + " statement " + (s.sid ? '"' + s.sid + '"' : s.index) + " of " + s.kind + ' "' + s.policy + '"' + (s.condition ? " — " + s.condition : "")));
    });
    td.appendChild(det);
    d.appendChild(td);
    rows.push(d);
  }
  for (var i = rows.length - 1; i >= 0; i--) body.insertBefore(rows[i], body.firstChild);
  while (body.rows.length > 1000) body.deleteRow(body.rows.length - 1);
}
function follow() {
  var live = document.getElementById("live");
  var body = document.getElementById("trail-rows");
  if (!live || !body || !window.EventSource) return;
  var q = live.dataset.query;
  var src = new EventSource("/_xacct/events?" + (q ? q + "&" : "") + "after=" + live.dataset.after);
  src.onopen = function () { live.textContent = "following live"; live.classList.add("on"); };
  src.onerror = function () { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  src.addEventListener("decision", function (ev) { addRecord(body, JSON.parse(ev.data)); });
}
document.addEventListener("DOMContentLoaded", function () { openTarget(); follow(); });
