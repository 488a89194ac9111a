// The post form's live word count and reading time, under the body editor.
//
// Counts as the page does (Post.word_count and reading_minutes): runs of letters,
// digits and "_", with the end of a paragraph, heading, list item or line as a break,
// and one minute per data-words-per-minute words, rounded up, never less than one.
// Without JavaScript the form simply has no counter.
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}_]+/gu;

  function countWords(editor) {
    // innerText puts a line break between blocks, as Post.word_count does.
    var words = (editor.innerText || "").match(WORD);
    return words ? words.length : 0;
  }

  function describe(words, perMinute) {
    var minutes = Math.max(1, Math.ceil(words / perMinute));
    return (
      words + (words === 1 ? " word" : " words") + " · " + minutes + " minute read"
    );
  }

  function attach(textarea) {
    var row = textarea.closest(".form-row") || textarea.parentNode;
    var perMinute = parseInt(textarea.dataset.wordsPerMinute, 10) || 200;
    var status = document.createElement("p");
    status.id = "word-count";
    status.className = "word-count";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    row.appendChild(status);

    var timer = null;
    function update() {
      timer = null;
      var editor = row.querySelector(".ProseMirror[contenteditable=\"true\"]");
      var text = editor ? describe(countWords(editor), perMinute) : "";
      // Unchanged text is not set again, so a screen reader hears only real changes.
      if (text && status.textContent !== text) {
        status.textContent = text;
      }
    }
    // Announced after a pause in typing, not at every key.
    function soon() {
      if (timer === null) {
        timer = window.setTimeout(update, 400);
      }
    }
    row.addEventListener("input", soon);
    row.addEventListener("keyup", soon);
    // The editor builds itself on page load, after this script may have run.
    new MutationObserver(function (mutations) {
      var fromEditor = mutations.some(function (mutation) {
        return !status.contains(mutation.target);
      });
      if (fromEditor) {
        soon();
      }
    }).observe(row, { childList: true, subtree: true, characterData: true });
    soon();
  }

  function start() {
    document.querySelectorAll("textarea[data-words-per-minute]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
