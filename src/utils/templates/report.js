/* Revenium FinOps Showcase reports: sortable, filterable tables with "show all" and CSV download.
   Inlined into every page; no eval, no network, nothing global. Without JavaScript every row simply shows. */
(function () {
  "use strict";
  var doc = document;

  function each(list, fn) { for (var i = 0; i < list.length; i++) { fn(list[i], i); } }

  function num(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }  /* 1000 -> "1,000", as the page writes it */

  function sortKey(cell, numeric) {
    if (!cell) { return null; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    if (!numeric) { return raw.trim().toLowerCase(); }
    var v = parseFloat(raw);
    return isNaN(v) ? null : v;
  }

  function compare(a, b, numeric) {
    if (a === b) { return 0; }
    if (a === null || a === "") { return 1; }  /* blanks last, whatever the direction */
    if (b === null || b === "") { return -1; }
    if (numeric) { return a < b ? -1 : 1; }
    return a.localeCompare(b, undefined, { numeric: true });
  }

  function setupTable(box) {
    var table = box.querySelector("table");
    var tbody = table && table.tBodies[0];
    if (!tbody) { return; }
    var top = parseInt(box.getAttribute("data-top"), 10) || 0;
    var held = tbody.rows.length;  /* the rows in the page; a long table holds its top rows of data-total */
    var total = parseInt(box.getAttribute("data-total"), 10) || held;
    var filter = box.querySelector(".table-filter");
    var status = box.querySelector(".table-status");
    var toggle = box.querySelector(".table-toggle");
    var tools = box.querySelector(".table-tools");
    if (tools) { tools.hidden = false; }

    function refresh() {
      var q = filter ? filter.value.trim().toLowerCase() : "";
      var matched = 0;
      each(tbody.rows, function (tr, i) {
        var hit = !q || tr.textContent.toLowerCase().indexOf(q) !== -1;
        tr.classList.toggle("nomatch", !hit);
        tr.classList.toggle("more", top > 0 && i >= top);
        if (hit) { matched++; }
      });
      box.classList.toggle("filtering", q !== "");
      var expanded = box.classList.contains("expanded");
      var shown = q ? matched : (expanded || !top ? held : Math.min(top, held));
      if (status) {
        status.textContent = q ? num(matched) + " of " + num(held) + (held < total ? " rows on this page match" : " rows match")
          : "Showing " + num(shown) + " of " + num(total) + " rows";
      }
      if (toggle) {
        toggle.textContent = expanded ? "Show top " + num(top) + " rows" : (held < total ? "Show top " : "Show all ") + num(held) + " rows";
        toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
      }
    }

    function sortBy(th, col) {
      var numeric = th.getAttribute("data-type") === "num";
      var current = th.getAttribute("aria-sort");
      var dir = current ? (current === "ascending" ? -1 : 1) : (numeric ? -1 : 1);
      each(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var list = [];
      each(tbody.rows, function (tr, i) { list.push([sortKey(tr.cells[col], numeric), i, tr]); });
      list.sort(function (a, b) {
        var blank = a[0] === null || a[0] === "" || b[0] === null || b[0] === "";
        var c = compare(a[0], b[0], numeric);
        return (blank ? c : c * dir) || a[1] - b[1];
      });
      each(list, function (entry) { tbody.appendChild(entry[2]); });
      refresh();
    }

    if (table.tHead) {
      each(table.tHead.rows[0].cells, function (th, col) {
        var button = th.querySelector("button.sort");
        if (button) { button.addEventListener("click", function () { sortBy(th, col); }); }
      });
    }
    var wrap = box.querySelector(".table-wrap");
    function overflow() { box.classList.toggle("overflows", !!wrap && wrap.scrollWidth > wrap.clientWidth + 1); }
    overflow();
    window.addEventListener("resize", overflow);
    if (filter) { filter.addEventListener("input", refresh); }
    if (toggle) {
      toggle.addEventListener("click", function () { box.classList.toggle("expanded"); refresh(); });
    }
    refresh();
  }

  function download(button) {
    var source = doc.getElementById(button.getAttribute("data-csv") || "");
    if (!source || !window.Blob || !window.URL) { return; }
    var blob = new Blob(["\ufeff" + JSON.parse(source.textContent)], { type: "text/csv;charset=utf-8" });
    var link = doc.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.getAttribute("data-file") || "table.csv";
    doc.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); doc.body.removeChild(link); }, 1000);
  }

  each(doc.querySelectorAll("[data-table]"), setupTable);
  each(doc.querySelectorAll("button[data-csv]"), function (button) {
    button.addEventListener("click", function () { download(button); });
  });
}());
