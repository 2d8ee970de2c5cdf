/* What would otherwise be inline event handlers (the Content-Security-Policy allows no
   inline script): one listener on the document acts on data- attributes.
     data-confirm="question"     a button, or a form on submit: go on only if confirmed
     data-model-action="name"    Flask-Admin's "with selected" actions
     data-add-inline-field="id"  Flask-Admin's "add" button of an inline list
   and links to "#" (they only trigger a script: menus, filters) do not navigate. */
(function () {
  "use strict";
  function confirmed(element, event) {
    var question = element.getAttribute("data-confirm");
    if (question !== null && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm], [data-model-action], [data-add-inline-field], a[href='#']");
    if (!target) return;
    if (target.hasAttribute("data-model-action")) {
      event.preventDefault();
      window.modelActions.execute(target.getAttribute("data-model-action"));
    } else if (target.hasAttribute("data-add-inline-field")) {
      event.preventDefault();
      window.faForm.addInlineField(target, target.getAttribute("data-add-inline-field"));
    } else if (target.tagName === "A" && target.getAttribute("href") === "#") {
      event.preventDefault();
    } else if (target.tagName !== "FORM") {
      confirmed(target, event);
    }
  }, true);
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-confirm")) confirmed(event.target, event);
  }, true);
}());
