/* The post change form: autosave of the draft's text, and a warning before leaving
   with unsaved changes. Loaded as a file (the CSP allows no inline script); the
   server says where to save and how often in #autosave-status's data attributes. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("post_form");
    if (!form) {
      return;
    }
    var FIELDS = ["title", "standfirst", "body", "content_note", "seo_title", "seo_description"];
    var status = document.getElementById("autosave-status");
    var url = status ? status.getAttribute("data-autosave-url") : "";
    var seconds = status ? Number(status.getAttribute("data-autosave-seconds")) || 30 : 30;
    var timer = null;
    var saving = false;
    var leaving = false;
    var otherChanges = false; // inlines, dates, files: only Save keeps them
    var saved = text();

    function text() {
      var values = {};
      FIELDS.forEach(function (name) {
        var field = form.elements.namedItem(name);
        if (field && typeof field.value === "string") {
          values[name] = field.value;
        }
      });
      return values;
    }

    function textChanged() {
      var now = text();
      return FIELDS.some(function (name) {
        return now[name] !== saved[name];
      });
    }

    function unsaved() {
      return otherChanges || textChanged();
    }

    function say(message, failed) {
      if (status) {
        status.textContent = message;
        status.classList.toggle("autosave-failed", Boolean(failed));
      }
    }

    // "saved" only while the page holds nothing newer (tests and styles can rely on it).
    function mark(state) {
      if (status) {
        status.setAttribute("data-state", state);
      }
    }

    function canAutosave() {
      var values = text();
      return url && FIELDS.every(function (name) {
        return typeof values[name] === "string";
      });
    }

    function schedule() {
      if (timer === null && canAutosave()) {
        timer = window.setTimeout(save, seconds * 1000);
      }
    }

    function save() {
      timer = null;
      if (saving || !textChanged()) {
        return;
      }
      saving = true;
      var sent = text();
      var token = form.elements.namedItem("csrfmiddlewaretoken");
      window.fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": token ? token.value : "",
          "X-Requested-With": "XMLHttpRequest"
        },
        body: JSON.stringify(sent)
      }).then(function (response) {
        return response.json().catch(function () {
          return { saved: false, error: "The server did not answer as expected (" + response.status + ")." };
        });
      }).then(function (answer) {
        if (answer.saved) {
          saved = sent;
          say("Saved at " + answer.saved_at_display, false);
          mark(textChanged() ? "pending" : "saved");
        } else {
          mark("failed");
          say("Not saved: " + (answer.error || "the server refused the autosave.") +
              " Your text is still here; it will be tried again, or use Save.", true);
        }
      }, function () {
        mark("failed");
        say("Not saved: no connection to the server. Your text is still here; " +
            "it will be tried again, or use Save.", true);
      }).then(function () {
        saving = false;
        if (textChanged()) {
          schedule();
        }
      });
    }

    function changed(event) {
      // Only named form fields count: the editor's own contenteditable has no name, and
      // its text reaches the form through the body's textarea.
      var name = event.target && event.target.name;
      if (name && FIELDS.indexOf(name) === -1 && name !== "csrfmiddlewaretoken") {
        otherChanges = true;
      }
      if (textChanged()) {
        mark("pending");
      }
      schedule();
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      leaving = true;
    });

    window.addEventListener("beforeunload", function (event) {
      if (!leaving && unsaved()) {
        event.preventDefault();
        event.returnValue = ""; // older browsers show their own wording only with this
      }
    });

    // Links out of the form (sidebar, header, breadcrumbs, History) ask in words first.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link || form.contains(link) || link.target || event.defaultPrevented) {
        return;
      }
      if (link.getAttribute("href").charAt(0) === "#" || !unsaved()) {
        return;
      }
      if (window.confirm("You have unsaved changes to this post. Leave the page and lose them?")) {
        leaving = true;
      } else {
        event.preventDefault();
      }
    });
  }

  // The admin loads form media in the head, before the form exists.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
