/* What would otherwise be inline event handlers (the Content-Security-Policy allows no
   inline script): one listener on the document acts on data- attributes.
     data-confirm="question"     a button, or a form on submit: go on only if confirmed
     data-model-action="name"    Flask-Admin's "with selected" actions
     data-add-inline-field="id"  Flask-Admin's "add" button of an inline list
     data-unsaved-warning        a form: leaving the page while it holds what was not
                                 saved asks first (="unsaved": it came so, e.g. refused)
   and links to "#" (they only trigger a script: menus, filters) do not navigate.
   Photos taken with the camera (file inputs with a capture attribute) are made smaller
   before they are sent (shrinkPhoto), and files that would take a form over the upload
   limit are refused before it is sent (checkSize). */
(function () {
  "use strict";
  var script = document.currentScript;
  function confirmed(element, event) {
    var question = element.getAttribute("data-confirm");
    if (question !== null && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }

  /* A phone's or tablet's photo is 3-8 MB: a form with several (a safety inspection)
     would pass a request's upload limit and be refused whole. Each photo is sent at
     most MAX_SIDE pixels on its long side, as JPEG (its location data left behind); a
     form sent while a photo is being made smaller is sent once it is done. A photo the
     browser cannot read goes as it is (the server checks every file). */
  var MAX_SIDE = 2048, SHRINK_FROM = 1024 * 1024, QUALITY = 0.85;
  var shrinking = new WeakMap();  // form -> photos being made smaller
  var waiting = new WeakMap();    // form -> the button it was sent with, meanwhile

  function smaller(file) {
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= SHRINK_FROM) return null;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    });
  }

  /* The server refuses a request over the upload limit (413) and what the form held is
     lost with it: a form whose files are too large together is not sent; the file just
     chosen says why, in the browser's own way (its validity). */
  var LIMIT = Number(script.dataset.uploadLimit), TOO_LARGE = script.dataset.uploadTooLarge;

  function checkSize(form, chosen) {
    var inputs = form.querySelectorAll("input[type=file]"), total = 0;
    inputs.forEach(function (input) {
      input.setCustomValidity("");
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
    });
    if (LIMIT && total > LIMIT) {
      chosen.setCustomValidity(TOO_LARGE);
      chosen.reportValidity();
    }
  }

  function shrinkPhoto(input) {
    var file = input.files && input.files[0], form = input.form;
    if (!file || !/^image\//.test(file.type) || !window.createImageBitmap ||
        !window.DataTransfer) {
      checkSize(form, input);
      return;
    }
    shrinking.set(form, (shrinking.get(form) || 0) + 1);
    smaller(file).then(function (blob) {
      if (!blob || blob.size >= file.size || input.files[0] !== file) return;
      var photo = new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg",
                           {type: "image/jpeg", lastModified: file.lastModified});
      var files = new DataTransfer();
      files.items.add(photo);
      input.files = files.files;
    }).catch(function () {}).then(function () {
      checkSize(form, input);
      var left = shrinking.get(form) - 1;
      shrinking.set(form, left);
      if (left === 0 && waiting.has(form)) {
        var submitter = waiting.get(form);
        waiting.delete(form);
        form.requestSubmit(submitter || undefined);
      }
    });
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
    var form = event.target;
    if (form.hasAttribute("data-confirm")) confirmed(form, event);
    if (!event.defaultPrevented && shrinking.get(form)) {
      event.preventDefault();
      waiting.set(form, event.submitter);
    }
  }, true);
  /* What is typed in a form is lost with the page: leaving it (a link, a reload, closing
     the tab) asks first while a form marked data-unsaved-warning holds something else
     than the page came with, or came with what was not saved. The form being sent
     does not count: that is saving it. The browser says its own words. */
  var sending = null;

  function changed(element) {
    if (element.type === "checkbox" || element.type === "radio") {
      return element.checked !== element.defaultChecked;
    }
    if (element.type === "select-one") {  // shows its first option when none is chosen
      var initial = 0;
      Array.prototype.forEach.call(element.options, function (option, i) {
        if (option.defaultSelected) initial = i;
      });
      return element.selectedIndex !== initial;
    }
    if (element.type === "select-multiple") {
      return Array.prototype.some.call(element.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return "defaultValue" in element && element.value !== element.defaultValue;
  }

  function unsaved(form) {
    return form !== sending && (form.getAttribute("data-unsaved-warning") === "unsaved" ||
                                Array.prototype.some.call(form.elements, changed));
  }

  window.addEventListener("beforeunload", function (event) {
    var forms = document.querySelectorAll("form[data-unsaved-warning]");
    if (Array.prototype.some.call(forms, unsaved)) {
      event.preventDefault();
      event.returnValue = "";  // (browsers before Chrome 119)
    }
  });
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) sending = event.target;  // not held back by a check
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) sending = null;  // back to this page, kept as it was left
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("input[type=file]") || !input.form) return;
    if (input.hasAttribute("capture")) shrinkPhoto(input);
    else checkSize(input.form, input);
  });
}());
