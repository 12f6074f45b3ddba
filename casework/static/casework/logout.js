/* 退出登录: before signing out, forget the pages the phone app kept for offline use, so a shared
   phone never shows the last officer's cases to the next person (the offline notice page stays).
   Queued inspection results are kept: they belong to their user and are sent only in that user's
   session.  Any form with data-xt-logout is held until the copies are gone (at most 1.5 s). */
(function () {
  "use strict";
  if (window.xtLogoutHooked) return;
  window.xtLogoutHooked = true;
  var PAGES = "xt-pages";

  function forgetPages() {
    if (!window.caches) return Promise.resolve();
    return caches.has(PAGES).then(function (present) {
      if (!present) return;
      return caches.open(PAGES).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.filter(function (request) {
            return !/\/offline\/$/.test(new URL(request.url).pathname);
          }).map(function (request) { return cache.delete(request); }));
        });
      });
    }).catch(function () { /* nothing kept, or storage refused: sign out all the same */ });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-xt-logout")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var sent = false;
    function send() {
      if (sent) return;
      sent = true;
      HTMLFormElement.prototype.submit.call(form);
    }
    forgetPages().then(send, send);
    setTimeout(send, 1500);
  }, true);
})();
