// The image's change page: clicking the image sets the focal point numbers (which can
// also be typed, with or without JS); a marker shows where it is.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.querySelector("[data-focal-picker]");
    var x = document.getElementById("id_focal_x");
    var y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) return;
    var image = picker.querySelector("img");
    var marker = picker.querySelector(".focal-picker__marker");
    function show() {
      var fx = parseFloat(x.value);
      var fy = parseFloat(y.value);
      if (isNaN(fx) || isNaN(fy) || fx < 0 || fx > 1 || fy < 0 || fy > 1) {
        marker.hidden = true;
        return;
      }
      // CSSOM, not a style attribute: allowed by the strict CSP.
      marker.style.left = fx * 100 + "%";
      marker.style.top = fy * 100 + "%";
      marker.hidden = false;
    }
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      var fx = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var fy = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
      x.value = fx.toFixed(2);
      y.value = fy.toFixed(2);
      show();
    });
    x.addEventListener("input", show);
    y.addEventListener("input", show);
    show();
  });
})();
