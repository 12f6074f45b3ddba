/* Excel imports: the upload form (data-import-progress) posts as a plain page load, so the row
   report comes back on screen; meanwhile the page says what is being imported and the button
   waits.  Loaded once per document (Turbo may bring it in on a later visit). */
(function () {
  if (window.xtImportProgress) return;
  window.xtImportProgress = true;

  function size(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.max(1, Math.round(bytes / 1024)) + " KB";
    return bytes + " 字节";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-import-progress")) return;
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (!file) return; // the server says what is missing
    var status = form.querySelector("[data-import-status]");
    if (status) {
      status.querySelector("[data-import-text]").textContent =
        "正在导入“" + file.name + "”（" + size(file.size) + "），请勿关闭页面…";
      status.hidden = false;
    }
    // Disabled after the submission has taken the form's data (a disabled control is not sent).
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });

  // Back to a page kept in the browser's cache: ready for the next upload.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-import-progress]").forEach(function (form) {
      var status = form.querySelector("[data-import-status]");
      if (status) status.hidden = true;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  });
})();
