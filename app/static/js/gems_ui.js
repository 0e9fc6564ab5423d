/* Small page behaviours declared with data- attributes, because the Content-Security-Policy blocks inline
   event handlers (onclick=, onkeydown=). Loaded on every page by gems_base.html and by the print sheet. */
(function () {
  "use strict";

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  ready(function () {
    // Enter in a one-line remark must not submit the form with whichever button comes first
    each("input[data-no-enter]", function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    });

    // a header checkbox that ticks or unticks every row checkbox the selector names
    each("input[data-tick-all]", function (box) {
      box.addEventListener("click", function () {
        var checked = box.checked;
        each(box.getAttribute("data-tick-all"), function (c) { c.checked = checked; });
      });
    });

    // a button or link that asks before it acts
    each("[data-gems-confirm]", function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-gems-confirm"))) { event.preventDefault(); }
      });
    });

    each("[data-print]", function (el) {
      el.addEventListener("click", function () { window.print(); });
    });

    // the sign-in captcha: a click loads a new picture
    each("img[data-refresh-src]", function (img) {
      img.addEventListener("click", function () {
        img.src = img.getAttribute("data-refresh-src") + "?" + Date.now();
      });
    });
  });
})();
