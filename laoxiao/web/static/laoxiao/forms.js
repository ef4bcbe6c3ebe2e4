// Behaviour that used to be inline event handlers (not allowed by the Content-Security-Policy):
// <select data-autosubmit> submits its form on change; <form data-busy-on-submit> disables its
// button and shows its .busy element while it is submitted.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.matches || !form.matches("[data-busy-on-submit]")) { return; }
    var button = form.querySelector("button");
    var busy = form.querySelector(".busy");
    if (button) { button.disabled = true; }
    if (busy) { busy.hidden = false; }
  });
})();
