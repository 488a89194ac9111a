/* "Exit this page" (GOV.UK pattern), progressive enhancement.
   Without JavaScript the button is an ordinary link to a neutral site. With it:
   - activating the button hides this page at once and replaces it in the
     history (location.replace), so Back does not return here;
   - pressing Shift three times within five seconds does the same, and the
     shortcut is shown on the page and its progress announced to screen readers. */
(function () {
  "use strict";

  var root = document.querySelector("[data-exit-this-page]");
  if (!root) return;
  var button = root.querySelector("[data-exit-this-page-button]");
  var hint = root.querySelector("[data-exit-this-page-hint]");
  var status = root.querySelector("[data-exit-this-page-status]");
  var presses = 0;
  var timer = null;

  function exitPage(event) {
    if (event) event.preventDefault();
    // Hide everything first: the next site may take a moment to load.
    document.body.classList.add("exit-this-page--exiting");
    document.title = "Loading";
    window.location.replace(button.href);
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  button.addEventListener("click", exitPage);
  if (hint) hint.hidden = false;

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") {
      presses = 0;
      return;
    }
    presses += 1;
    window.clearTimeout(timer);
    if (presses >= 3) {
      announce("Exiting page.");
      exitPage();
      return;
    }
    announce("Shift pressed " + presses + (presses === 1 ? " time." : " times."));
    timer = window.setTimeout(function () {
      presses = 0;
      announce("Exit this page expired.");
    }, 5000);
  });
})();
