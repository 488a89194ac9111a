// Names for the post form's scripted controls, which their libraries leave unnamed:
// the body editor (a contenteditable from django-prose-editor) and the admin's
// autocomplete boxes (select2), whose search field and empty box a screen reader
// would otherwise announce as nameless. Each takes the name of the field's <label>.
// Without JavaScript none of these exist and the plain fields keep their labels.
(function () {
  "use strict";

  function labelId(fieldId) {
    var label = document.querySelector('label[for="' + fieldId + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = fieldId + "-label";
    }
    return label.id;
  }

  function nameControls() {
    document.querySelectorAll("textarea[data-django-prose-editor-configurable], textarea[data-django-prose-editor]")
      .forEach(function (textarea) {
        var id = labelId(textarea.id);
        var editor = textarea.parentNode.querySelector('.ProseMirror[contenteditable="true"]');
        if (id && editor && !editor.hasAttribute("aria-labelledby")) {
          editor.setAttribute("aria-labelledby", id);
        }
      });
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) {
        return;
      }
      var id = labelId(select.id);
      if (!id) {
        return;
      }
      var box = container.querySelector(".select2-selection");
      var rendered = container.querySelector(".select2-selection__rendered");
      if (box) {
        // The label first, then what is chosen (select2's own, which may be empty).
        var wanted = id + (rendered && rendered.id ? " " + rendered.id : "");
        if (box.getAttribute("aria-labelledby") !== wanted) {
          box.setAttribute("aria-labelledby", wanted);
        }
      }
      // select2 makes what is chosen a read-only textbox of its own, empty in a new row.
      if (rendered && rendered.getAttribute("aria-labelledby") !== id) {
        rendered.setAttribute("aria-labelledby", id);
      }
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        if (field.getAttribute("aria-labelledby") !== id) {
          field.setAttribute("aria-labelledby", id);
        }
      });
    });
  }

  var pending = false;
  function soon() {
    if (!pending) {
      pending = true;
      window.setTimeout(function () {
        pending = false;
        nameControls();
      }, 50);
    }
  }

  function start() {
    nameControls();
    // The editor and select2 build themselves after load, and again for each added
    // credit row or chosen topic.
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
