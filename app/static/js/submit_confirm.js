// 提交审核 locks a student form: ask first, saying what happens next (without script the button submits directly).
(function () {
  "use strict";
  var submitButton = document.getElementById("gems-submit");
  var dialog = document.getElementById("gems-submit-confirm");
  var form = submitButton ? submitButton.form : null;
  if (!form || !dialog || !window.jQuery || !window.jQuery.fn.modal) { return; }
  var confirmed = false;
  form.addEventListener("submit", function (event) {
    if (confirmed || event.submitter !== submitButton) { return; }
    event.preventDefault();
    window.jQuery(dialog).modal("show");
  });
  window.jQuery(dialog).on("shown.bs.modal", function () {
    document.getElementById("gems-submit-confirmed").focus();
  });
  document.getElementById("gems-submit-confirmed").addEventListener("click", function () {
    confirmed = true;
    window.jQuery(dialog).modal("hide");
    if (form.requestSubmit) { form.requestSubmit(submitButton); return; }
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "submit";
    form.appendChild(action);
    form.submit();
  });
})();
