/* Accessibility repairs for markup that third-party widgets build in the browser (WCAG 1.3.1, 2.1.1, 4.1.2):
   select2's search box gets the name of the field it belongs to, its multi-select list keeps only list items, and
   a region that scrolls sideways (wide tables, the workflow diagram) can be reached and scrolled from the keyboard.
   Loaded on every page by gems_base.html. */
(function () {
  "use strict";

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function fieldName(select) {
    if (!select) { return ""; }
    if (select.id) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (label) { return label.textContent.replace(/\s+/g, " ").trim(); }
    }
    return select.getAttribute("aria-label") || select.getAttribute("name") || "";
  }

  function repairSelect2(container) {
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") { return; }
    var name = fieldName(select);
    each(container, "input.select2-search__field", function (input) {
      if (name && !input.getAttribute("aria-label")) { input.setAttribute("aria-label", name); }
    });
    // the single-select box (role=textbox) shows the value or a placeholder: it is named by its field too
    each(container, "span.select2-selection__rendered[role=textbox]", function (box) {
      if (name && !box.getAttribute("aria-label")) { box.setAttribute("aria-label", name); }
    });
    each(container, "ul.select2-selection__rendered", function (list) {
      // select2 puts its "remove all" cross (a span) straight into the <ul>: move it beside the list
      each(list, ":scope > :not(li)", function (stray) {
        stray.setAttribute("aria-hidden", "true");
        list.parentNode.insertBefore(stray, list);
      });
    });
  }

  function repairAll() {
    each(document, "span.select2-container", repairSelect2);
    each(document, ".table-responsive, .gems-scroll, .panel-body > div", function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
      }
    });
  }

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  ready(function () {
    repairAll();
    // select2 redraws its markup on every change; repair again whenever a widget changes
    if (window.MutationObserver) {
      var pending = false;
      new MutationObserver(function () {
        if (pending) { return; }
        pending = true;
        window.requestAnimationFrame(function () { pending = false; repairAll(); });
      }).observe(document.body, { childList: true, subtree: true });
    }
  });
})();
