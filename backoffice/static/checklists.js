/* The checklists' bits of behaviour: signing on the screen, tapping the car's outline to
   say where a damage is, showing only the field an amendment corrects, and the page's own
   address after a refused form. Everything works without them but the signature. */
(function () {
  "use strict";

  function signaturePad(canvas) {
    var form = canvas.closest("form");
    var data = form.querySelector("#signature-data");
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;

    var ratio = 1;

    function size() {
      ratio = window.devicePixelRatio || 1;
      canvas.width = canvas.clientWidth * ratio;
      canvas.height = canvas.clientHeight * ratio;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#000";
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      drawn = false;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      drawn = true;
      canvas.classList.remove("is-invalid");
      form.setAttribute("data-unsaved-warning", "unsaved");  // ink is not saved yet
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    // A tablet turned round resizes the pad: its bitmap follows the new size (or the ink
    // would land away from the finger), and what was signed stays where it was drawn.
    function resize() {
      var now = window.devicePixelRatio || 1;
      if (canvas.width === Math.round(canvas.clientWidth * now) &&
          canvas.height === Math.round(canvas.clientHeight * now)) {
        return;
      }
      var had = drawn;
      var scale = ratio;
      var copy = document.createElement("canvas");
      copy.width = canvas.width;
      copy.height = canvas.height;
      copy.getContext("2d").drawImage(canvas, 0, 0);
      drawing = false;
      size();
      if (had) {
        context.drawImage(copy, 0, 0, copy.width / scale, copy.height / scale);
        drawn = true;
      }
    }
    var pending = null;
    ["resize", "orientationchange"].forEach(function (name) {
      window.addEventListener(name, function () {
        if (pending === null) {
          pending = window.requestAnimationFrame(function () { pending = null; resize(); });
        }
      });
    });

    form.querySelector("#signature-clear").addEventListener("click", function () {
      size();
      form.setAttribute("data-unsaved-warning", "");
    });
    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        canvas.classList.add("is-invalid");
        return;
      }
      data.value = canvas.toDataURL("image/png");
    });
    size();
  }

  function carOutline(svg) {
    var select = document.querySelector("#damage-form select[name=area]");
    if (!select) { return; }
    svg.querySelectorAll(".zone").forEach(function (zone) {
      function choose() {
        select.value = zone.getAttribute("data-area");
        svg.querySelectorAll(".zone").forEach(function (z) { z.classList.remove("chosen"); });
        zone.classList.add("chosen");
        document.getElementById("damage-form").scrollIntoView({ block: "nearest" });
      }
      zone.addEventListener("click", choose);
      zone.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
      });
    });
  }

  function amendForm(form) {
    var choice = form.querySelector("select[name=field]");
    function show() {
      form.querySelectorAll(".amend-value").forEach(function (box) {
        box.hidden = box.getAttribute("data-field") !== choice.value;
        // A hidden field is neither sent nor checked by the browser (they are required).
        box.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.disabled = box.hidden;
        });
      });
    }
    choice.addEventListener("change", show);
    show();
  }

  /* A refused form is answered with the checklist, what was typed and the messages:
     the address bar shows the checklist's address (at the refused form), not the one the
     form was sent to, so that reloading or coming back does not send it again. */
  document.querySelectorAll(".checklist[data-address]").forEach(function (page) {
    window.history.replaceState(null, "", page.getAttribute("data-address"));
  });
  document.querySelectorAll("canvas.signature-pad").forEach(signaturePad);
  document.querySelectorAll("#amend-form").forEach(amendForm);
  document.querySelectorAll("svg.car-outline").forEach(carOutline);
})();
