/* GEMS student source form (SRC-2/SRC-5): check each field as the student types, offer suggested corrections,
   enable the directed/entrusted unit only for 定向/委培, hide 现户口所在地 for HK/Macau/Taiwan students,
   and feed the home-address city datalist from the division list. */
(function () {
  "use strict";
  var form = document.getElementById("gems-source-form");
  if (!form) { return; }
  var checkUrl = form.getAttribute("data-check-url");
  var citiesUrl = form.getAttribute("data-cities-url");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var HMT = ["hk", "macau", "taiwan"];
  var DIRECTED = ["2", "3"];
  var timers = {};
  var dependents = {};

  Array.prototype.forEach.call(form.querySelectorAll("[data-depends]"), function (el) {
    el.getAttribute("data-depends").split(" ").forEach(function (on) {
      if (on && on !== el.name) { (dependents[on] = dependents[on] || []).push(el.name); }
    });
  });

  function show(key, data) {
    var row = document.getElementById("row-" + key);
    var msg = document.getElementById("msg-" + key);
    if (!row || !msg) { return; }
    msg.textContent = "";
    if (data.ok) { row.classList.remove("has-error"); return; }
    row.classList.add("has-error");
    msg.appendChild(document.createTextNode(data.message + " "));
    if (data.suggestion) {
      var link = document.createElement("a");
      link.href = "#";
      link.className = "gems-suggest";
      link.setAttribute("data-field", key);
      link.setAttribute("data-value", data.suggestion);
      link.textContent = data.offer;
      msg.appendChild(link);
    }
  }

  function check(key) {
    var el = form.elements[key];
    if (!el) { return; }
    if (el.disabled) { show(key, {ok: true}); return; }
    fetch(checkUrl + encodeURIComponent(key), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest"}
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      return type.indexOf("application/json") === 0 ? r.json() : null;
    }).then(function (data) { if (data) { show(key, data); } }).catch(function () { /* offline: checked on save */ });
  }

  function checkWithDependents(key) {
    check(key);
    (dependents[key] || []).forEach(check);
  }

  function toggles() {
    var mode = form.elements.training_mode, unit = form.elements.training_unit;
    if (mode && unit && !mode.disabled) {
      var directed = DIRECTED.indexOf(mode.value) >= 0;
      unit.disabled = !directed;
      if (!directed) { unit.value = ""; }
    }
    var category = form.elements.student_category, row = document.getElementById("row-current_household");
    if (category && row) {
      row.hidden = HMT.indexOf(category.value) >= 0;
    }
  }

  function loadCities() {
    var province = form.elements.home_province, list = document.getElementById("gems-cities");
    if (!province || !list) { return; }
    fetch(citiesUrl + "?province=" + encodeURIComponent(province.value), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (names) {
        list.textContent = "";
        (names || []).forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
      }).catch(function () { /* the datalist is only a help */ });
  }

  form.addEventListener("change", function (event) {
    var key = event.target.name;
    if (!key || !event.target.hasAttribute("data-check")) { return; }
    clearTimeout(timers[key]);
    toggles();
    if (key === "home_province") { loadCities(); }
    checkWithDependents(key);
  });

  form.addEventListener("input", function (event) {
    var key = event.target.name;
    if (!key || event.target.tagName === "SELECT" || !event.target.hasAttribute("data-check")) { return; }
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { checkWithDependents(key); }, 800);
  });

  form.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".gems-suggest") : null;
    if (!link) { return; }
    event.preventDefault();
    var key = link.getAttribute("data-field"), el = form.elements[key];
    if (!el) { return; }
    el.value = link.getAttribute("data-value");
    checkWithDependents(key);
    el.focus();
  });

  // the problem list's links move the focus into the field, not only the scroll position
  var summary = document.getElementById("gems-problems");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-field]") : null;
      var el = link ? document.getElementById("f-" + link.getAttribute("data-field")) : null;
      if (el && !el.disabled) { event.preventDefault(); el.focus(); el.scrollIntoView({block: "center"}); }
    });
    summary.focus();
  }

  toggles();
  if (window.jQuery && window.jQuery.fn.tooltip) {
    window.jQuery("[data-toggle=tooltip]").tooltip({trigger: "hover focus"});
  }
}());
