// GOV.UK error-summary pattern: move focus to the summary so screen readers
// announce it and keyboard users start there. Without JS the summary is still
// first in the page and announced through role="alert".
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
