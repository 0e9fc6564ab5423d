/* GEMS destination form (EMP-1): show only the part the chosen destination code needs (the other parts are
   disabled, so they are neither shown nor posted), the proofs it needs, and pick the employer by name or unified
   social credit code as the student types (GET /employers/lookup). Static file: the CSP allows no inline script. */
(function () {
  "use strict";
  var form = document.getElementById("gems-destination-form");
  if (!form) { return; }
  var code = document.getElementById("f-code_id");

  function selectedOption() {
    return code && code.selectedIndex >= 0 ? code.options[code.selectedIndex] : null;
  }

  function setPart(part, on) {
    part.hidden = !on;
    Array.prototype.forEach.call(part.querySelectorAll("input, select, textarea"), function (el) {
      el.disabled = !on;
    });
  }

  function onlineShop() {
    var box = form.querySelector("#kind-venture:not([hidden]) input[name=online_shop]");
    return !!(box && box.checked);
  }

  function refresh() {
    var option = selectedOption();
    if (!option) { return; }
    var kind = option.getAttribute("data-kind") || "";
    Array.prototype.forEach.call(form.querySelectorAll(".gems-kind"), function (part) {
      setPart(part, part.getAttribute("data-kind") === kind);
    });
    var needed = (option.getAttribute("data-evidence") || "").split(" ").filter(function (k) {
      return k && (k !== "shop_proof" || onlineShop());
    });
    var any = false;
    Array.prototype.forEach.call(form.querySelectorAll("[data-evidence-kind]"), function (row) {
      var show = needed.indexOf(row.getAttribute("data-evidence-kind")) !== -1 || !!row.querySelector("li");
      row.hidden = !show;
      any = any || show;
    });
    var section = document.getElementById("section-evidence");
    if (section) { section.hidden = !any; }
  }

  if (code) {
    code.addEventListener("change", refresh);
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "online_shop") { refresh(); }
    });
  }

  // -- the employer picker -------------------------------------------------------------------------------
  var search = document.getElementById("gems-employer-search");
  var results = document.getElementById("gems-employer-results");
  var picked = document.getElementById("gems-employer-picked");
  var hidden = form.querySelector("input[type=hidden][name=employer_id]");
  var timer = null;
  var chosenName = search ? search.value : "";

  function clearResults() {
    while (results.firstChild) { results.removeChild(results.firstChild); }
    results.hidden = true;
  }

  function choose(item) {
    hidden.value = String(item.id);
    search.value = item.name;
    chosenName = item.name;
    picked.textContent = item.name + (item.credit_code ? "（" + item.credit_code + "）" : "") +
      (item.region ? " " + item.region : "");
    clearResults();
  }

  function show(list) {
    clearResults();
    if (!list.length) {
      var none = document.createElement("li");
      none.className = "list-group-item gems-muted";
      none.textContent = form.getAttribute("data-none-text");
      results.appendChild(none);
    }
    list.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "list-group-item";
      li.setAttribute("role", "option");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link gems-employer-choice";
      button.setAttribute("data-id", String(item.id));
      button.textContent = item.name + (item.credit_code ? "（" + item.credit_code + "）" : "") +
        (item.city ? " · " + item.city : "");
      button.addEventListener("click", function () { choose(item); });
      li.appendChild(button);
      results.appendChild(li);
    });
    results.hidden = false;
  }

  function lookup() {
    var q = search.value.trim();
    if (q.length < 2) { clearResults(); return; }
    var url = form.getAttribute("data-lookup-url") + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { result: [] }; })
      .then(function (data) { show(data.result || []); })
      .catch(function () { clearResults(); });
  }

  if (search && results && hidden) {
    search.addEventListener("input", function () {
      if (search.value !== chosenName) { hidden.value = ""; picked.textContent = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 250);
    });
  }

  // the problem list at the top links to each field: move the focus there as well as scrolling
  Array.prototype.forEach.call(document.querySelectorAll("#gems-problems a[data-field]"), function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById("f-" + link.getAttribute("data-field"));
      if (target && target.focus) { window.setTimeout(function () { target.focus(); }, 0); }
    });
  });
}());
