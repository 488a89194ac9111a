// The post form's image field: its library link opens the chooser in a small window,
// and the chooser (static/js/media-chooser.js) calls flseImageChosen with the choice.
(function () {
  "use strict";
  window.flseImageChosen = function (fieldId, data) {
    var select = document.getElementById(fieldId);
    if (!select || !/^[0-9]+$/.test(String(data.id))) return;
    var option = Array.prototype.find.call(select.options, function (o) {
      return o.value === String(data.id);
    });
    if (!option) {
      option = new Option(data.title, String(data.id));
      select.add(option);
    }
    select.value = String(data.id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var preview = document.getElementById(fieldId + "_preview");
    if (preview) {
      var img = document.createElement("img");
      img.src = data.url;
      img.alt = data.alternative_text || "";
      if (data.width && data.height) {
        img.width = Number(data.width);
        img.height = Number(data.height);
      }
      img.className = "library-thumb";
      preview.replaceChildren(img);
    }
    select.focus();
  };
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-image-chooser-link]");
    if (!link) return;
    var win = window.open(link.href, "flse-image-chooser", "width=960,height=720");
    if (win) {
      event.preventDefault();
      win.focus();
    }
  });
})();
