// The image chooser (posts.media.admin.ImageAdmin.chooser_view) opened by the post form.
// Choosing an image's link hands it to the window that opened the chooser: the hero
// field (flseImageChosen, static/js/image-field.js) or the body editor (the
// CKEditor-style callback django-prose-editor's Figure dialog listens for). Without an
// opener, or without JS, the links simply open the image's own page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-image-chooser]");
    if (!root || !window.opener) return;
    var mode = root.dataset.mode;
    root.addEventListener("click", function (event) {
      var link = event.target.closest(".chooser__pick");
      if (!link) return;
      var data = {
        id: link.dataset.id,
        url: link.dataset.url,
        alternative_text: link.dataset.alt,
        caption: link.dataset.caption,
        title: link.dataset.title,
        width: link.dataset.width,
        height: link.dataset.height,
      };
      try {
        if (mode === "body" && root.dataset.callback !== "" && window.opener.CKEDITOR) {
          window.opener.CKEDITOR.tools.callFunction(Number(root.dataset.callback), data.url, data);
        } else if (mode === "hero" && typeof window.opener.flseImageChosen === "function") {
          window.opener.flseImageChosen(root.dataset.field, data);
        } else {
          return;
        }
      } catch (error) {
        return; // The opener went elsewhere: follow the link instead.
      }
      event.preventDefault();
      window.close();
    });
  });
})();
